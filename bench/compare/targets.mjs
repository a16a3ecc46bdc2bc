// Target registry: a spec names a kind and carries the started server's options, so that the
// latency worker can build its own instance from the same spec.
//   spec = { kind: 'redis' | 'nats' | 'rabbitmq' | 'rocketmq', label, options, flush? }

/** Targets a run can select with --targets (names as typed on the command line). */
export const TARGET_SPECS = {
  redis: { kind: 'redis', label: 'Redis Streams' },
  nats: { kind: 'nats', label: 'NATS JetStream' },
  rabbitmq: { kind: 'rabbitmq', label: 'RabbitMQ quorum' },
  'rocketmq-async': { kind: 'rocketmq', label: 'rocketmq-ts ASYNC_FLUSH', flush: 'ASYNC_FLUSH' },
  'rocketmq-sync': { kind: 'rocketmq', label: 'rocketmq-ts SYNC_FLUSH', flush: 'SYNC_FLUSH' },
};

export async function createTarget(spec) {
  switch (spec.kind) {
    case 'redis':
      return (await import('./peers.mjs')).redisTarget(spec.options);
    case 'nats':
      return (await import('./peers.mjs')).natsTarget(spec.options);
    case 'rabbitmq':
      return (await import('./peers.mjs')).rabbitTarget(spec.options);
    case 'rocketmq':
      return (await import('./rocketmq.mjs')).rocketmqTarget(spec.options);
    default:
      throw new Error(`unknown target kind ${spec.kind}`);
  }
}
