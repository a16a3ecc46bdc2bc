import { createResponse, type RemotingCommand, ResponseCode } from '@rocketmq-ts/protocol';
import type { Connection, RequestHandler } from '@rocketmq-ts/remoting';

// Per-connection admission on top of the per-pool limits the RemotingServer enforces: one
// client pipelining without bound gets SYSTEM_BUSY before it can fill the whole pool and
// starve everyone else. Counted with a WeakMap so closed connections need no cleanup.

/** One connection's count, with the callback that lowers it (made once per connection). */
class ConnectionCount {
  n = 0;
  readonly done = (): void => {
    this.n--;
  };
}

export function limitPerConnection(handler: RequestHandler, maxInFlight: number, what: string): RequestHandler {
  const counts = new WeakMap<Connection, ConnectionCount>();
  return (request: RemotingCommand, conn: Connection) => {
    let count = counts.get(conn);
    if (count === undefined) {
      count = new ConnectionCount();
      counts.set(conn, count);
    }
    if (count.n >= maxInFlight) {
      return createResponse(
        request,
        ResponseCode.SYSTEM_BUSY,
        `[TOO_MANY_REQUESTS] this connection already has ${maxInFlight} ${what} requests in flight, try later`,
      );
    }
    count.n++;
    let result: ReturnType<RequestHandler>;
    try {
      result = handler(request, conn);
    } catch (e) {
      count.n--;
      throw e;
    }
    if (result instanceof Promise) {
      // The count drops when the handler settles, before the caller sees the answer (its
      // reaction is registered later). The caller gets the handler's own promise: no derived
      // promise or closures per request. The branch promise `then` returns always fulfils
      // (done returns normally), so a rejection is not reported twice.
      void result.then(count.done, count.done);
      return result;
    }
    count.n--;
    return result;
  };
}
