import type { PropertySource } from './nodes.js';

/**
 * The evaluation context over a message's encoded properties (`name \u0001 value \u0002`
 * pairs, as stored): a lookup scans the string, so evaluating a message builds no Map. One
 * instance is reset per message; only the values read are new strings. Same rules as the
 * broker's other readers: the first pair with a name wins and an empty value is absent.
 */
export class EncodedProperties implements PropertySource {
  private text = '';

  reset(text: string): this {
    this.text = text;
    return this;
  }

  get(name: string): string | undefined {
    const s = this.text;
    const n = name.length;
    let from = 0;
    for (;;) {
      const i = s.indexOf(name, from);
      if (i < 0) return undefined;
      const at = i + n;
      if ((i === 0 || s.charCodeAt(i - 1) === 2) && s.charCodeAt(at) === 1) {
        let end = s.indexOf('\u0002', at + 1);
        if (end < 0) end = s.length;
        return end > at + 1 ? s.slice(at + 1, end) : undefined;
      }
      from = i + 1;
    }
  }
}
