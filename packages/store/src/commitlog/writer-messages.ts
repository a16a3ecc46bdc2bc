// Messages between the CommitLog and its writer thread: small arrays, cheap to clone.

export const WriterRequestKind = { BUFFER: 0, FORGET: 1, WRITE: 2 } as const;

export type WriterRequest =
  /** A write-cache buffer the thread may be asked to write from (shared, not copied). */
  | [typeof WriterRequestKind.BUFFER, id: number, memory: SharedArrayBuffer]
  /** The buffer left the cache: drop the thread's reference. */
  | [typeof WriterRequestKind.FORGET, id: number]
  /** Fill body CRCs of the records in buffer[from, to), then write them at `position` of fd. */
  | [typeof WriterRequestKind.WRITE, id: number, fd: number, from: number, to: number, position: number];

/** 0: written; otherwise the error's message and code. */
export type WriterReply = 0 | [message: string, code: string];
