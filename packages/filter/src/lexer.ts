import { err, ok, type Result } from '@rocketmq-ts/common';

// Tokens of RocketMQ's SQL92 selector grammar (filter/.../SelectorParser.jj): reserved words
// and identifiers are matched longest-first with reserved words winning ties, keywords
// ignore case, identifiers keep theirs. Pure: a string in, tokens or an error out.

export const KEYWORDS = [
  'NOT',
  'AND',
  'OR',
  'BETWEEN',
  'IN',
  'TRUE',
  'FALSE',
  'NULL',
  'IS',
  'CONTAINS',
  'STARTSWITH',
  'ENDSWITH',
] as const;
export type Keyword = (typeof KEYWORDS)[number];
const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

export type Token =
  | { kind: 'keyword'; text: Keyword; pos: number; end: number }
  | { kind: 'id'; text: string; pos: number; end: number }
  | { kind: 'decimal'; text: string; pos: number; end: number }
  | { kind: 'float'; text: string; pos: number; end: number }
  | { kind: 'string'; text: string; pos: number; end: number }
  | { kind: 'op'; text: string; pos: number; end: number }
  | { kind: 'eof'; text: ''; pos: number; end: number };

export interface FilterError {
  message: string;
  /** Index in the expression where the problem starts, when there is one place. */
  position?: number | undefined;
}

/** "line L, column C" of an index, both from 1, as JavaCC reports them. */
export function lineColumn(text: string, pos: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      col = 1;
    } else if (c !== 13) {
      col++;
    }
  }
  return `line ${line}, column ${col}`;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
const isIdPart = (c: number): boolean => isIdStart(c) || isDigit(c);
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13 || c === 12;

/** Length of an exponent (`E[+-]digits`) at `i`, or 0 when there is none. */
function exponentAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c !== 69 && c !== 101) return 0;
  let j = i + 1;
  const sign = s.charCodeAt(j);
  if (sign === 43 || sign === 45) j++;
  const digitsFrom = j;
  while (isDigit(s.charCodeAt(j))) j++;
  return j > digitsFrom ? j - i : 0;
}

/** Numeric token at `i` (s[i] is a digit, or '.' followed by a digit): the longest match. */
function numberAt(s: string, i: number): Token {
  let j = i;
  while (isDigit(s.charCodeAt(j))) j++;
  const intEnd = j;
  if (s.charCodeAt(j) === 46) {
    j++;
    while (isDigit(s.charCodeAt(j))) j++;
    j += exponentAt(s, j);
    return { kind: 'float', text: s.slice(i, j), pos: i, end: j };
  }
  const exp = exponentAt(s, j);
  if (exp > 0) return { kind: 'float', text: s.slice(i, j + exp), pos: i, end: j + exp };
  // DECIMAL_LITERAL is "0" | [1-9][0-9]*[lL]?: a leading zero is a token of its own.
  if (s.charCodeAt(i) === 48) return { kind: 'decimal', text: '0', pos: i, end: i + 1 };
  const l = s.charCodeAt(intEnd);
  const end = l === 76 || l === 108 ? intEnd + 1 : intEnd;
  return { kind: 'decimal', text: s.slice(i, end), pos: i, end };
}

function lexicalError(s: string, i: number): FilterError {
  const c = s.codePointAt(i) ?? 0;
  return {
    message: `Lexical error at ${lineColumn(s, i)}. Encountered: ${JSON.stringify(String.fromCodePoint(c))} (${c})`,
    position: i,
  };
}

const TWO_CHAR_OPS = new Set(['<>', '<=', '>=']);
const ONE_CHAR_OPS = new Set(['=', '<', '>', '(', ')', ',', '+', '-']);

/** Splits an expression into tokens, ending with one `eof` token. */
export function tokenize(s: string): Result<Token[], FilterError> {
  const out: Token[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === 45 && s.charCodeAt(i + 1) === 45) {
      // `--` comment: only with a line end after it, as the grammar's LINE_COMMENT.
      let j = i + 2;
      while (j < n && s.charCodeAt(j) !== 10 && s.charCodeAt(j) !== 13) j++;
      if (j < n) {
        i = j + 1;
        continue;
      }
    }
    if (c === 47 && s.charCodeAt(i + 1) === 42) {
      const close = s.indexOf('*/', i + 2);
      if (close < 0) return err(lexicalError(s, i));
      i = close + 2;
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(s.charCodeAt(i + 1)))) {
      const t = numberAt(s, i);
      out.push(t);
      i = t.end;
      continue;
    }
    if (isIdStart(c)) {
      let j = i + 1;
      while (isIdPart(s.charCodeAt(j))) j++;
      const text = s.slice(i, j);
      const upper = text.toUpperCase();
      if (KEYWORD_SET.has(upper)) out.push({ kind: 'keyword', text: upper as Keyword, pos: i, end: j });
      else out.push({ kind: 'id', text, pos: i, end: j });
      i = j;
      continue;
    }
    if (c === 39) {
      let j = i + 1;
      let value = '';
      let from = j;
      for (;;) {
        const q = s.indexOf("'", j);
        if (q < 0) return err({ message: `Lexical error at ${lineColumn(s, i)}. Unterminated string`, position: i });
        if (s.charCodeAt(q + 1) === 39) {
          value += s.slice(from, q + 1);
          j = q + 2;
          from = j;
          continue;
        }
        value += s.slice(from, q);
        j = q + 1;
        break;
      }
      out.push({ kind: 'string', text: value, pos: i, end: j });
      i = j;
      continue;
    }
    const two = s.slice(i, i + 2);
    if (TWO_CHAR_OPS.has(two)) {
      out.push({ kind: 'op', text: two, pos: i, end: i + 2 });
      i += 2;
      continue;
    }
    const one = s[i]!;
    if (ONE_CHAR_OPS.has(one)) {
      out.push({ kind: 'op', text: one, pos: i, end: i + 1 });
      i++;
      continue;
    }
    return err(lexicalError(s, i));
  }
  out.push({ kind: 'eof', text: '', pos: n, end: n });
  return ok(out);
}
