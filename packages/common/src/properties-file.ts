import { readFile } from 'node:fs/promises';

/**
 * Parses the Java `.properties` subset RocketMQ configs use: `key=value` or `key: value`,
 * `#`/`!` comments, trailing-backslash continuation lines, surrounding blanks trimmed.
 */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.trim();
    }
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!.trim());
    else out.set(line, '');
  }
  return out;
}

export async function readPropertiesFile(path: string): Promise<Map<string, string>> {
  return parseProperties(await readFile(path, 'utf8'));
}

export type ConfigValue = string | number | boolean;

/**
 * Overlays properties on a defaults object, coercing each value to the type of its default.
 * Unknown keys are returned (not applied) so callers can warn about them, as a typo in
 * broker.conf should be visible. Throws on a value that does not parse as its type.
 */
export function applyProperties<T extends Record<string, ConfigValue>>(
  defaults: T,
  props: Map<string, string>,
): { config: T; unknown: string[] } {
  const config: Record<string, ConfigValue> = { ...defaults };
  const unknown: string[] = [];
  for (const [key, raw] of props) {
    if (!(key in defaults)) {
      unknown.push(key);
      continue;
    }
    const def = defaults[key];
    if (typeof def === 'number') {
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n)) throw new TypeError(`config ${key}: not a number: ${raw}`);
      config[key] = n;
    } else if (typeof def === 'boolean') {
      if (raw !== 'true' && raw !== 'false') throw new TypeError(`config ${key}: not true/false: ${raw}`);
      config[key] = raw === 'true';
    } else {
      config[key] = raw;
    }
  }
  return { config: config as T, unknown };
}

/** Renders a config the way `-p` prints it: one `key=value` line each, sorted. */
export function formatProperties(config: Record<string, ConfigValue>): string {
  return `${Object.keys(config)
    .sort()
    .map((k) => `${k}=${String(config[k])}`)
    .join('\n')}\n`;
}
