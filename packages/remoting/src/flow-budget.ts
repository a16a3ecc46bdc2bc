/**
 * Per-connection and process-wide bounds on the work a server holds for its clients: requests
 * being handled (long-polling pulls included) and response bytes queued but not yet written.
 *
 * A connection stops reading while it has `maxPendingRequestsPerConnection` requests in hand
 * or more than the write high-water mark unsent, so one client cannot make the server take on
 * work without bound; a connection whose unsent output passes `maxPendingWriteBytesPerConnection`
 * is closed (a peer that stopped reading). The process-wide totals are shared by every server of
 * a process (a broker's main and fast ports): above either limit, new requests are answered
 * SYSTEM_BUSY, and connections that are not reading (output above their high-water mark) are
 * closed when they would add to the queued bytes.
 */
export interface FlowLimits {
  /** Stop reading a connection while this many of its requests are being handled. */
  maxPendingRequestsPerConnection: number;
  /**
   * Stop reading a connection while this many of its costly requests (processors registered
   * `costly`, e.g. pulls that read the store: each may hold a large buffer until its answer
   * is written) are being handled, not counting those their handler parked (long polling).
   */
  maxCostlyRequestsPerConnection: number;
  /** Close a connection whose unsent output exceeds this many bytes. */
  maxPendingWriteBytesPerConnection: number;
  /** Above this many requests in hand over all connections, new requests get SYSTEM_BUSY. */
  maxPendingRequests: number;
  /** Above this many unsent response bytes over all connections, new requests get SYSTEM_BUSY. */
  maxPendingWriteBytes: number;
}

/** `serverChannelMaxPendingRequests`: above what a client holds in long-polling pulls. */
export const DEFAULT_MAX_PENDING_REQUESTS_PER_CONNECTION = 1024;
/**
 * `serverChannelMaxActivePulls`: like Java's pull executor (16 + 2 × cores threads for a whole broker), a bound on
 * the reads one connection can have going; the rest wait in the socket.
 */
export const DEFAULT_MAX_COSTLY_REQUESTS_PER_CONNECTION = 8;
/** `serverChannelMaxPendingWriteBytes`: the slow-consumer limit NATS servers use (max_pending). */
export const DEFAULT_MAX_PENDING_WRITE_BYTES_PER_CONNECTION = 64 * 1024 * 1024;
/** `serverMaxPendingRequests`: the pull pool's queue capacity (pullThreadPoolQueueCapacity). */
export const DEFAULT_MAX_PENDING_REQUESTS = 100_000;
/** `serverMaxPendingWriteBytes`. */
export const DEFAULT_MAX_PENDING_WRITE_BYTES = 128 * 1024 * 1024;

export function defaultFlowLimits(): FlowLimits {
  return {
    maxPendingRequestsPerConnection: DEFAULT_MAX_PENDING_REQUESTS_PER_CONNECTION,
    maxCostlyRequestsPerConnection: DEFAULT_MAX_COSTLY_REQUESTS_PER_CONNECTION,
    maxPendingWriteBytesPerConnection: DEFAULT_MAX_PENDING_WRITE_BYTES_PER_CONNECTION,
    maxPendingRequests: DEFAULT_MAX_PENDING_REQUESTS,
    maxPendingWriteBytes: DEFAULT_MAX_PENDING_WRITE_BYTES,
  };
}

/** The process-wide counters; connections add and remove their share. */
export class FlowBudget {
  readonly limits: FlowLimits;
  /** Requests being handled, over every connection that shares this budget. */
  pendingRequests = 0;
  /** Unsent output bytes, over every connection that shares this budget (as last reconciled). */
  pendingWriteBytes = 0;
  /** Requests answered SYSTEM_BUSY because a process-wide limit was reached. */
  rejected = 0;
  /** Connections closed because they stopped reading their responses. */
  slowConsumersClosed = 0;

  constructor(limits: Partial<FlowLimits> = {}) {
    const l = { ...defaultFlowLimits() };
    for (const [k, v] of Object.entries(limits) as [keyof FlowLimits, number | undefined][]) {
      if (v === undefined) continue;
      if (!(Number.isInteger(v) && v > 0)) throw new RangeError(`${k} must be a positive integer, got ${v}`);
      l[k] = v;
    }
    this.limits = l;
  }

  /** True while new requests must be turned away. */
  get overloaded(): boolean {
    return (
      this.pendingRequests >= this.limits.maxPendingRequests ||
      this.pendingWriteBytes >= this.limits.maxPendingWriteBytes
    );
  }

  get writeBytesOverLimit(): boolean {
    return this.pendingWriteBytes >= this.limits.maxPendingWriteBytes;
  }
}
