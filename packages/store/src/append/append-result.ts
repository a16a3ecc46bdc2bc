// The result of an append, shared by both stores so they answer identically. The offset
// msgId (32 hex digits per record, comma-joined for a batch) is built only when read: the
// broker reads it once per send response, many internal appends never do, and building the
// hex string for every record was ~3 % of an append.
import type { AppendResult } from '../message-store.js';
import type { RecordEncoder } from './record-encoder.js';

export class AppendOutcome implements AppendResult {
  // #private: invisible to deepStrictEqual and spreading, which see only the public fields.
  readonly #encoder: RecordEncoder;
  /** Physical offsets of a batch's records (undefined for one record). */
  readonly #offsets: number[] | undefined;
  #id: string | undefined;

  constructor(
    encoder: RecordEncoder,
    readonly wroteOffset: number,
    readonly wroteBytes: number,
    readonly logicsOffset: number,
    readonly storeTimestamp: number,
    readonly msgNum: number,
    offsets: number[] | undefined,
  ) {
    this.#encoder = encoder;
    this.#offsets = offsets;
  }

  get msgId(): string {
    if (this.#id === undefined) {
      const e = this.#encoder;
      this.#id = this.#offsets ? this.#offsets.map((o) => e.msgId(o)).join(',') : e.msgId(this.wroteOffset);
    }
    return this.#id;
  }

  toJSON(): AppendResult {
    const { wroteOffset, wroteBytes, msgId, logicsOffset, storeTimestamp, msgNum } = this;
    return { wroteOffset, wroteBytes, msgId, logicsOffset, storeTimestamp, msgNum };
  }
}
