/**
 * A separate writer process for the SQLite id-order test: opens its own
 * storage on the shared file (as a second server process would) and posts
 * messages into one partition with a skewed clock, then prints how many.
 * argv: path application queue count skewMs
 */
import { openSqliteStorage } from '../../src/storage/sqlite.js';

const [path, application, queue, count, skew] = process.argv.slice(2);
if (!path || !application || !queue || !count) {
  throw new Error('usage: storage-sqlite-writer PATH APPLICATION QUEUE COUNT [SKEW_MS]');
}
const storage = await openSqliteStorage({ path });
try {
  const total = Number(count);
  let written = 0;
  while (written < total) {
    const size = Math.min(1 + (written % 3), total - written);
    const batch = Array.from({ length: size }, (_, i) => ({
      body: `${process.pid}-${written + i}`,
      partition: 1,
      ttl: 3600,
    }));
    await storage.insertMessages(application, queue, batch, Date.now() + Number(skew ?? 0));
    written += size;
    // Let the other processes take the write lock in between.
    await new Promise((resolve) => setImmediate(resolve));
  }
  process.stdout.write(`${JSON.stringify({ written })}\n`);
} finally {
  await storage.close();
}
