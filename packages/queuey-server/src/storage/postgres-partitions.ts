/**
 * The multi-partition read of the PostgreSQL storage: every partition of a
 * `partitions=` or `positions=` read (and of a long-poll wake-up) in one
 * statement, so one round trip instead of one per partition.
 *
 * The answer is the one the HTTP layer builds reading the partitions one
 * after another (http/answer-budget.ts): partitions in the order asked, each
 * in (time, id) order up to `limit`; a running sum of body bytes over the
 * whole answer, the first message coming however big; once the budget is
 * reached (or a partition cut) the later partitions are partial. PostgreSQL
 * sums the sizes; the bodies of messages past the budget are never fetched.
 */

import { COLUMNS, type MessageRow, QUEUE_KEY, toMessage } from './postgres-messages.js';
import { prepared, type Queryable } from './postgres-prepared.js';
import type {
  BudgetedAnswer,
  Order,
  PartitionRead,
  PartitionsRead,
  StoredMessage,
} from './types.js';

const ID_SPACE = 1n << 128n;
const LAST_ID = 'f'.repeat(32);
const FIRST_ID = '0'.repeat(32);
const MAX_BIGINT = (1n << 63n) - 1n;

/**
 * A partition's position as an inclusive (time, id) bound in the read's
 * direction, so one statement serves every kind of `since`: none, an epoch
 * time, an id (inclusive) or an id it must go past (the next id in order).
 */
export function inclusiveBound(
  since: PartitionRead['since'],
  order: Order,
): { time: bigint; id: string } {
  const up = order === 'ascending';
  if (!since) return up ? { time: -1n, id: FIRST_ID } : { time: MAX_BIGINT, id: LAST_ID };
  if (since.id === undefined) return { time: since.time, id: up ? FIRST_ID : LAST_ID };
  const id = BigInt(`0x${since.id}`);
  if (!since.exclusive) return { time: since.time, id: since.id.toLowerCase() };
  const next = up ? id + 1n : id - 1n;
  if (next >= ID_SPACE) return { time: since.time + 1n, id: FIRST_ID };
  if (next < 0n) return { time: since.time - 1n, id: LAST_ID };
  return { time: since.time, id: next.toString(16).padStart(32, '0') };
}

/**
 * Parameters: application, queue, partitions, times, ids, now, limit, budget.
 * `sized` holds keys and sizes only (the rows of every partition up to
 * `limit`); the bodies are joined back for the rows the budget keeps. The
 * first row past the budget comes flagged `over`, without its message (a
 * lookup by key per kept row; the LIMIT keeps PostgreSQL from turning it
 * into a join that may scan the whole queue): it
 * tells that its partition was cut with more stored.
 */
export function partitionsSql(order: Order, one = false): string {
  const dir = order === 'ascending' ? 'ASC' : 'DESC';
  const cmp = order === 'ascending' ? '>=' : '<=';
  // One partition (a long-poll's read after a wake-up, mostly) comes as
  // plain values: PostgreSQL then estimates its rows as well without them
  // as with them, so it settles on one plan (postgres-prepared.ts) instead
  // of planning each call for the actual array.
  const wanted = one
    ? 'SELECT $3::int AS partition, $4::bigint AS time, $5::uuid AS id, 1::bigint AS ord'
    : 'SELECT * FROM unnest($3::int[], $4::bigint[], $5::uuid[]) WITH ORDINALITY AS w(partition, time, id, ord)';
  return `WITH wanted AS (
      ${wanted}
    ), queue AS (
      SELECT ${QUEUE_KEY} AS key
    ), sized AS (
      SELECT w.ord, r.partition, r.time, r.id, r.size FROM wanted AS w CROSS JOIN LATERAL (
        SELECT partition, time, id, octet_length(body) AS size FROM queuey_messages
        WHERE queue_key = (SELECT key FROM queue) AND partition = w.partition AND expires_at > $6
          AND (time, id) ${cmp} (w.time, w.id)
        ORDER BY time ${dir}, id ${dir} LIMIT $7
      ) AS r
    ), counted AS (
      SELECT *, sum(size) OVER answer AS total, row_number() OVER answer AS n FROM sized
      WINDOW answer AS (ORDER BY ord, time ${dir}, id ${dir} ROWS UNBOUNDED PRECEDING)
    ), budgeted AS (
      SELECT partition, time, id, n, NOT (total <= $8 OR n = 1) AS over FROM counted
      WHERE total <= $8 OR n = 1 OR total - size <= $8 OR n = 2
    )
    SELECT b.partition AS read_partition, b.over, m.* FROM budgeted AS b
    LEFT JOIN LATERAL (
      SELECT ${COLUMNS} FROM queuey_messages WHERE NOT b.over AND queue_key = (SELECT key FROM queue)
        AND partition = b.partition AND time = b.time AND id = b.id LIMIT 1
    ) AS m ON true
    ORDER BY b.n`;
}

type Row = { read_partition: number; over: boolean } & MessageRow;

export async function readPartitionRows(
  db: Queryable,
  target: { application: string; queue: string },
  read: PartitionsRead,
): Promise<BudgetedAnswer> {
  if (read.reads.length === 0) return { messages: [], partial: [] };
  const bounds = read.reads.map((r) => inclusiveBound(r.since, read.order));
  const one = read.reads.length === 1;
  const column = <T>(values: T[]) => (one ? values[0] : values);
  const { rows } = await prepared<Row>(db, partitionsSql(read.order, one), [
    target.application,
    target.queue,
    column(read.reads.map((r) => r.partition)),
    column(bounds.map((b) => b.time.toString())),
    column(bounds.map((b) => b.id)),
    read.now,
    read.limit,
    read.maxBytes,
  ]);
  return assemble(read, rows);
}

/**
 * The rows as the answer, walking the partitions as the one-by-one read
 * does: a partition reached once the answer holds the budget is not read
 * (PostgreSQL may have kept empty bodies there), and it and the later ones
 * are partial, as are the cut partition and the ones after it.
 */
function assemble(read: PartitionsRead, rows: Row[]): BudgetedAnswer {
  const kept = new Map<number, StoredMessage[]>();
  let cutIn: number | undefined;
  for (const row of rows) {
    if (row.over) cutIn = row.read_partition;
    else {
      const page = kept.get(row.partition) ?? [];
      page.push(toMessage(row));
      kept.set(row.partition, page);
    }
  }
  const messages: StoredMessage[] = [];
  let bytes = 0;
  const partitions = read.reads.map((r) => r.partition);
  for (const [index, partition] of partitions.entries()) {
    if (bytes >= read.maxBytes) return { messages, partial: partitions.slice(index) };
    for (const message of kept.get(partition) ?? []) {
      messages.push(message);
      bytes += Buffer.byteLength(message.body);
    }
    if (cutIn === partition) return { messages, partial: partitions.slice(index) };
  }
  return { messages, partial: [] };
}
