import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStorage } from '../src/storage/index.js';
import { clockAt, conformanceSuite } from './conformance.js';

conformanceSuite('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'queuey-http-'));
  const clock = clockAt();
  const storage = await openSqliteStorage({ path: join(dir, 'queuey.db'), now: clock.now });
  return {
    storage,
    clock,
    async cleanup() {
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
