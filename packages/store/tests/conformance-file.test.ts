import { ManualClock } from '@rocketmq-ts/common';
import { tempDir } from '@rocketmq-ts/testkit';
import { createFileStore, type MessageStoreConfig } from '../src/index.js';
import { runConformance } from './conformance.js';

/** A file store on a fresh temp dir with `over` on top of the suite's config. */
function fileStore(over: Partial<MessageStoreConfig>) {
  return async (config: Partial<MessageStoreConfig>) => {
    const dir = await tempDir('rmq-store-');
    const clock = new ManualClock(0);
    const store = createFileStore({ ...config, storePathRootDir: dir.path, ...over }, { clock });
    await store.start();
    return {
      store,
      clock,
      close: async () => {
        await store.shutdown();
        await dir.cleanup();
      },
    };
  };
}

runConformance('file (ASYNC_FLUSH)', fileStore({ writeCacheBytes: 256 * 1024 }));
runConformance('file (SYNC_FLUSH)', fileStore({ flushDiskType: 'SYNC_FLUSH' }));
// The opt-in writer thread: ranges over 16 KiB are written off the loop.
runConformance(
  'file (ASYNC_FLUSH, writer thread)',
  fileStore({ writeCacheBytes: 256 * 1024, commitLogWriterThread: true }),
);
