// Typed reads of broker.conf values handed to the feature modules. The composition root
// passes the effective config as strings, numbers or booleans (properties files give
// strings), so each read coerces and falls back to RocketMQ's default.

type Config = Readonly<Record<string, string | number | boolean>>;

export function numberConfig(config: Config, key: string, fallback: number): number {
  const v = config[key];
  if (v === undefined || v === '') return fallback;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : fallback;
}

export function stringConfig(config: Config, key: string, fallback: string): string {
  const v = config[key];
  return v === undefined || v === '' ? fallback : String(v);
}

export function booleanConfig(config: Config, key: string, fallback: boolean): boolean {
  const v = config[key];
  if (v === undefined || v === '') return fallback;
  return typeof v === 'boolean' ? v : String(v).toLowerCase() === 'true';
}
