/**
 * A separate writer process for the id-order test: opens its own PostgreSQL
 * storage (its own pool, as another Queuey server would) and posts messages
 * into one partition, then prints how many it wrote.
 * argv: url schema application queue count skewMs
 */
import { openPostgresStorage } from '../../src/storage/postgres.js';

const [url, schema, application, queue, count, skew] = process.argv.slice(2);
if (!url || !schema || !application || !queue || !count) {
  throw new Error('usage: postgres-writer URL SCHEMA APPLICATION QUEUE COUNT [SKEW_MS]');
}
const storage = await openPostgresStorage({ url, schema });
try {
  let written = 0;
  const total = Number(count);
  // Two inserters at once in this process too, batches of 1..3 messages.
  const inserter = async (name: string) => {
    while (written < total) {
      const size = Math.min(1 + (written % 3), total - written);
      written += size;
      const batch = Array.from({ length: size }, (_, i) => ({
        body: `${name}-${process.pid}-${written}-${i}`,
        partition: 1,
        ttl: 3600,
      }));
      await storage.insertMessages(application, queue, batch, Date.now() + Number(skew ?? 0));
    }
  };
  await Promise.all([inserter('a'), inserter('b')]);
  process.stdout.write(`${JSON.stringify({ written })}\n`);
} finally {
  await storage.close();
}
