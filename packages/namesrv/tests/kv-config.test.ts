import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '@rocketmq-ts/testkit';
import { KVConfigManager } from '../src/index.js';

describe('KVConfigManager', async () => {
  const dir = await tempDir('namesrv-kv-');
  after(() => dir.cleanup());

  it('persists puts and deletes in the Java kvConfig.json layout', async () => {
    const path = join(dir.path, 'a', 'kvConfig.json');
    const kv = new KVConfigManager(path);
    await kv.load();
    await kv.put('ORDER_TOPIC_CONFIG', 'T1', 'broker-a:8');
    await kv.put('NS', 'k', 'v');
    await kv.delete('NS', 'k');
    assert.equal(await readFile(path, 'utf8'), '{"configTable":{"ORDER_TOPIC_CONFIG":{"T1":"broker-a:8"}}}');
    const again = new KVConfigManager(path);
    await again.load();
    assert.equal(again.get('ORDER_TOPIC_CONFIG', 'T1'), 'broker-a:8');
    assert.equal(again.get('NS', 'k'), undefined);
  });

  it('batches concurrent changes and ends with the latest table on disk', async () => {
    const path = join(dir.path, 'b.json');
    const kv = new KVConfigManager(path);
    await Promise.all(Array.from({ length: 50 }, (_, i) => kv.put('NS', `k${i}`, String(i))));
    const saved = JSON.parse(await readFile(path, 'utf8'));
    assert.equal(Object.keys(saved.configTable.NS).length, 50);
  });

  it('refuses to start from a file that is not a KV table', async () => {
    const path = join(dir.path, 'bad.json');
    await writeFile(path, '{"configTable":');
    await assert.rejects(new KVConfigManager(path).load(), /not JSON/);
  });

  it('starts empty when the file does not exist', async () => {
    const kv = new KVConfigManager(join(dir.path, 'missing', 'kv.json'));
    await kv.load();
    assert.equal(kv.getNamespace('x'), undefined);
  });
});
