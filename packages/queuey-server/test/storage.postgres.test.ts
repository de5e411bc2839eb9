import { manualClock, storageSuite } from './storage-suite.js';
import { createTestSchema } from './support/postgres.js';

// The shared storage suite, unchanged, against a real PostgreSQL: each test
// gets its own PostgreSQL schema, dropped afterwards.
storageSuite('postgres', async () => {
  const db = await createTestSchema();
  const clock = manualClock();
  try {
    const storage = await db.open({ now: clock.now });
    return {
      storage,
      clock,
      async cleanup() {
        await storage.close();
        await db.drop();
      },
    };
  } catch (error) {
    await db.drop();
    throw error;
  }
});
