import { clockAt, conformanceSuite } from './conformance.js';
import { createTestSchema } from './support/postgres.js';

// The HTTP conformance suite, unchanged, over a real PostgreSQL: each test
// gets its own PostgreSQL schema, dropped afterwards.
conformanceSuite('postgres', async () => {
  const db = await createTestSchema();
  const clock = clockAt();
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
