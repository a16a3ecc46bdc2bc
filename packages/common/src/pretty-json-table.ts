/**
 * `JSON.stringify({ ...head, [key]: table }, null, 2)` (the layout Java's fastjson writes for
 * topics.json, subscriptionGroup.json and the like) rendered `perTurn` table entries at a time
 * with a turn of the event loop between, so that a table of many thousand entries never holds
 * the loop for long. The entries are taken when the call starts. Integer-like keys keep the
 * Map's order (JSON.stringify of an object would put them first); a reader sees the same data.
 */
export async function prettyJsonWithTable(
  head: Record<string, unknown>,
  key: string,
  table: ReadonlyMap<string, unknown>,
  perTurn = 256,
): Promise<string> {
  const entries = [...table];
  const lines: string[] = [];
  for (const [k, v] of Object.entries(head)) lines.push(`  ${JSON.stringify(k)}: ${nested(v, '  ')}`);
  const chunks: string[] = [];
  for (let i = 0; i < entries.length; i += perTurn) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    // One stringify per slice: "{\n  "k": v,\n  ...\n}" without its braces, indented once more.
    const text = JSON.stringify(Object.fromEntries(entries.slice(i, i + perTurn)), null, 2);
    if (text.length > 2) chunks.push(`  ${text.slice(2, -2).replaceAll('\n', '\n  ')}`);
  }
  lines.push(`  ${JSON.stringify(key)}: ${chunks.length === 0 ? '{}' : `{\n${chunks.join(',\n')}\n  }`}`);
  return `{\n${lines.join(',\n')}\n}`;
}

/** A value pretty-printed as it would be at an indentation of `indent`. */
function nested(value: unknown, indent: string): string | undefined {
  const text = JSON.stringify(value, null, 2) as string | undefined;
  return text?.replaceAll('\n', `\n${indent}`);
}
