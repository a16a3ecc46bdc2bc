import { createResponse, type RemotingCommand, ResponseCode } from '@rocketmq-ts/protocol';
import type { Connection, RequestHandler } from '@rocketmq-ts/remoting';

// Per-connection admission on top of the per-pool limits the RemotingServer enforces: one
// client pipelining without bound gets SYSTEM_BUSY before it can fill the whole pool and
// starve everyone else. Counted with a WeakMap so closed connections need no cleanup.

export function limitPerConnection(handler: RequestHandler, maxInFlight: number, what: string): RequestHandler {
  const inFlight = new WeakMap<Connection, number>();
  const done = (conn: Connection): void => {
    inFlight.set(conn, (inFlight.get(conn) ?? 1) - 1);
  };
  return (request: RemotingCommand, conn: Connection) => {
    const n = inFlight.get(conn) ?? 0;
    if (n >= maxInFlight) {
      return createResponse(
        request,
        ResponseCode.SYSTEM_BUSY,
        `[TOO_MANY_REQUESTS] this connection already has ${maxInFlight} ${what} requests in flight, try later`,
      );
    }
    inFlight.set(conn, n + 1);
    let result: ReturnType<RequestHandler>;
    try {
      result = handler(request, conn);
    } catch (e) {
      done(conn);
      throw e;
    }
    if (result instanceof Promise) {
      // then(ok, fail) rather than finally(): finally allocates two more promises per request.
      return result.then(
        (r) => {
          done(conn);
          return r;
        },
        (e: unknown) => {
          done(conn);
          throw e;
        },
      );
    }
    done(conn);
    return result;
  };
}
