import { ManualClock } from '@rocketmq-ts/common';
import { tempDir } from '@rocketmq-ts/testkit';
import { createFileStore } from '../src/index.js';
import { runConformance } from './conformance.js';

runConformance('file (ASYNC_FLUSH)', async (config) => {
  const dir = await tempDir('rmq-store-');
  const clock = new ManualClock(0);
  const store = createFileStore({ ...config, storePathRootDir: dir.path, writeCacheBytes: 256 * 1024 }, { clock });
  await store.start();
  return {
    store,
    clock,
    close: async () => {
      await store.shutdown();
      await dir.cleanup();
    },
  };
});

runConformance('file (SYNC_FLUSH)', async (config) => {
  const dir = await tempDir('rmq-store-');
  const clock = new ManualClock(0);
  const store = createFileStore({ ...config, storePathRootDir: dir.path, flushDiskType: 'SYNC_FLUSH' }, { clock });
  await store.start();
  return {
    store,
    clock,
    close: async () => {
      await store.shutdown();
      await dir.cleanup();
    },
  };
});

// The opt-in writer thread: ranges over 16 KiB are written off the loop.
runConformance('file (ASYNC_FLUSH, writer thread)', async (config) => {
  const dir = await tempDir('rmq-store-');
  const clock = new ManualClock(0);
  const store = createFileStore(
    { ...config, storePathRootDir: dir.path, writeCacheBytes: 256 * 1024, commitLogWriterThread: true },
    { clock },
  );
  await store.start();
  return {
    store,
    clock,
    close: async () => {
      await store.shutdown();
      await dir.cleanup();
    },
  };
});
