import type { RemotingCommand } from '@rocketmq-ts/protocol';
import type { RequestHandler } from '@rocketmq-ts/remoting';

/**
 * What the client needs from the remoting layer: the shape of RemotingClient. Kept as an
 * interface so the client core is written against the contract, not the socket code.
 */
export interface ClientTransport {
  invoke(addr: string, cmd: RemotingCommand, timeoutMs?: number): Promise<RemotingCommand>;
  invokeOneway(addr: string, cmd: RemotingCommand): Promise<void> | void;
  registerProcessor(code: number, handler: RequestHandler): void;
  close(): Promise<void> | void;
}
