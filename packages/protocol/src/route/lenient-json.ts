import { err, ok, type Result } from '@rocketmq-ts/common';

// fastjson writes non-string map keys bare (`{0:"10.0.0.1:10911"}`), which JSON.parse
// rejects. Java NameServers send that form to clients older than V4_9_4 and always for
// ClusterInfo, so every reader of route data goes through here.

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/** Cheap pre-check: a bare integer key needs `{` or `,` followed by a digit or minus. */
const MAYBE_BARE_KEY = /[{,]\s*-?\d/;

/**
 * Returns `text` with every bare integer object key quoted. Only tokens outside string
 * literals that follow `{` or `,` and are followed by `:` are touched, so strings that
 * merely contain such patterns are left alone.
 */
export function quoteIntegerKeys(text: string): string {
  if (!MAYBE_BARE_KEY.test(text)) return text;
  let out = '';
  let copied = 0;
  let inString = false;
  // Last significant character seen outside strings (0 = none yet).
  let prev = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) {
        inString = false;
        prev = 34;
      }
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    if (isBlank(c)) continue;
    if ((prev === 123 /* { */ || prev === 44) /* , */ && (c === 45 /* - */ || isDigit(c))) {
      let j = c === 45 ? i + 1 : i;
      const digits = j;
      while (j < text.length && isDigit(text.charCodeAt(j))) j++;
      let k = j;
      while (k < text.length && isBlank(text.charCodeAt(k))) k++;
      if (j > digits && text.charCodeAt(k) === 58 /* : */) {
        out += `${text.slice(copied, i)}"${text.slice(i, j)}"`;
        copied = j;
      }
      i = j - 1;
      prev = 48; // a value or key token; never `{` or `,`
      continue;
    }
    prev = c;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** JSON.parse that also accepts fastjson's bare integer keys. Never throws. */
export function parseLenientJson(input: Buffer | string): Result<unknown, string> {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  try {
    return ok(JSON.parse(quoteIntegerKeys(text)));
  } catch (e) {
    return err(`invalid JSON: ${(e as Error).message}`);
  }
}
