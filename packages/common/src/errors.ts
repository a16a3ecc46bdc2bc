/**
 * Base of every error rocketmq-ts throws. Expected outcomes are values (status enums,
 * discriminated unions); this is for failures. `code` is a RocketMQ response code where one
 * applies, else a negative client-side code.
 */
export class RocketMQError extends Error {
  readonly code: number;
  readonly retriable: boolean;
  constructor(message: string, options: { code: number; retriable?: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.retriable = options.retriable ?? false;
  }
}
