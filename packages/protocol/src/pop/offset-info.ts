import type { PopRetryFlag } from './pop-names.js';

// The POP response's offset-info strings: `;`-joined entries of three space-separated tokens.
//   startOffsetInfo  `retryFlag queueId startOffset`
//   msgOffsetInfo    `retryFlag queueId off1,off2,…`
//   orderCountInfo   `retryFlag qo<queueId>%<queueOffset> count` per message, then `retryFlag queueId minCount`
// Clients key them by `retryFlag@queueId` (or `retryFlag@qo<q>%<off>`); a key never repeats.

export const startOffsetEntry = (flag: PopRetryFlag, queueId: number, startOffset: number): string =>
  `${flag} ${queueId} ${startOffset}`;

export const msgOffsetEntry = (flag: PopRetryFlag, queueId: number, offsets: readonly number[]): string =>
  `${flag} ${queueId} ${offsets.join(',')}`;

export const orderCountEntry = (flag: PopRetryFlag, queueId: number, queueOffset: number, count: number): string =>
  `${flag} qo${queueId}%${queueOffset} ${count}`;

export const queueOrderCountEntry = (flag: PopRetryFlag, queueId: number, count: number): string =>
  `${flag} ${queueId} ${count}`;

/** `key → value` of an info string as a client reads it (`retryFlag@queueId` keys). */
function entries(info: string | undefined): Array<[string, string]> {
  if (info === undefined || info === '') return [];
  const out: Array<[string, string]> = [];
  for (const e of info.split(';')) {
    const [flag, queue, value] = e.split(' ');
    if (flag === undefined || queue === undefined || value === undefined) continue;
    out.push([`${flag}@${queue}`, value]);
  }
  return out;
}

export function parseStartOffsetInfo(info: string | undefined): Map<string, number> {
  return new Map(entries(info).map(([k, v]) => [k, Number(v)]));
}

export function parseMsgOffsetInfo(info: string | undefined): Map<string, number[]> {
  return new Map(entries(info).map(([k, v]) => [k, v.split(',').map(Number)]));
}

export function parseOrderCountInfo(info: string | undefined): Map<string, number> {
  return new Map(entries(info).map(([k, v]) => [k, Number(v)]));
}
