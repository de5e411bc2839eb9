import type { Storage } from '../src/storage/types.js';
import { hardeningSuite } from './hardening.js';
import { createTestSchema } from './support/postgres.js';
import { manualClock } from './support/storage-fixture.js';

hardeningSuite('postgres', async () => {
  const db = await createTestSchema();
  const clock = manualClock(Date.UTC(2030, 0, 1));
  let storage: Storage = await db.open();
  return {
    storage,
    clock,
    async restart() {
      await storage.close();
      storage = await db.open();
      return storage;
    },
    async cleanup() {
      await storage.close();
      await db.drop();
    },
  };
});
