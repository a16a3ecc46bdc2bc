import { ManualClock } from '@rocketmq-ts/common';
import { createMemoryStore } from '../src/index.js';
import { runConformance } from './conformance.js';

runConformance('memory', async (config) => {
  const clock = new ManualClock(0);
  const store = createMemoryStore(config, { clock });
  await store.start();
  return { store, clock, close: () => store.shutdown() };
});
