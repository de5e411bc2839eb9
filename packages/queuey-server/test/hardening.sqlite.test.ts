import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStorage, type Storage } from '../src/storage/index.js';
import { hardeningSuite } from './hardening.js';
import { manualClock } from './support/storage-fixture.js';

hardeningSuite('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'queuey-hardening-'));
  const clock = manualClock(Date.UTC(2030, 0, 1));
  const open = () => openSqliteStorage({ path: join(dir, 'queuey.db') });
  let storage: Storage = await open();
  return {
    storage,
    clock,
    async restart() {
      await storage.close();
      storage = await open();
      return storage;
    },
    async cleanup() {
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
