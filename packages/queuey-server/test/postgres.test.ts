import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { createTestSchema, type TestSchema } from './support/postgres.js';

describe('PostgreSQL storage basics', () => {
  let db: TestSchema;
  beforeEach(async () => {
    db = await createTestSchema();
  });
  afterEach(async () => {
    await db.drop();
  });

  it('stores and reads back messages in order', async () => {
    const storage = await db.open();
    onTestFinished(() => storage.close());
    const now = 1_700_000_000_000;
    const stored = await storage.insertMessages(
      'app',
      'q',
      [
        { body: 'a', partition: 1, ttl: 60 },
        { body: 'b\u0000ü', partition: 1, ttl: 60 },
        { body: 'c', partition: 2, ttl: 60 },
      ],
      now,
    );
    expect(stored.map((m) => m.body)).toEqual(['a', 'b\u0000ü', 'c']);
    const read = await storage.readMessages('app', 'q', {
      partition: 1,
      limit: 10,
      order: 'ascending',
      now,
    });
    expect(read).toEqual(stored.slice(0, 2));
  });
});
