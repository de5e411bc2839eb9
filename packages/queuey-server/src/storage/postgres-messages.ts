/**
 * Message SQL of the PostgreSQL storage.
 *
 * The id guarantee across servers: ids in one partition must increase in the
 * order their inserts COMMIT, or a reader paging with `since` could move past
 * an id while a smaller one is still uncommitted, and never see it. Each
 * partition therefore has a clock row (queuey_partition_clocks.last_time). An
 * insert upserts that row inside its transaction (postgres-insert.ts):
 *   last_time = GREATEST(now_time + n - 1, last_time + n)
 * which takes the row lock until COMMIT. A second writer to the partition
 * blocks on that lock until the first one committed (and is visible), then
 * reads its last_time and goes above it. So for one partition, lock order =
 * time order = commit order, on one server or many, whatever their clocks
 * say. Writers of different partitions do not wait on each other; a batch
 * spanning partitions locks their rows in ascending partition order, so two
 * batches cannot deadlock (and a deadlock would be retried anyway).
 * Messages created with PUT under a caller's id keep that id's time and move
 * the clock up to it, so later posts sort after them (the HTTP layer refuses
 * PUT ids far ahead of its clock, so a bogus id cannot wedge a partition).
 */

import { recordExpiries } from './postgres-expiry.js';
import { prepared, type Queryable } from './postgres-prepared.js';
import {
  headersField,
  headersText,
  type Order,
  type ReadOptions,
  type ReadPage,
  readPage,
  type SinceKind,
  type StoredMessage,
  sinceKind,
} from './types.js';

export interface MessageRow {
  partition: number;
  time: string;
  id: string;
  body: Buffer;
  content_type: string | null;
  expires_at: string;
  headers: string | null;
}

export const COLUMNS = 'partition, time, id, body, content_type, expires_at, headers';

/**
 * The queue's number, for statements whose $1 and $2 are the application and
 * the queue: messages are keyed by it (migration 5). PostgreSQL looks it up
 * once per statement; a queue that does not exist matches no message.
 */
export const QUEUE_KEY = '(SELECT key FROM queuey_queues WHERE application = $1 AND name = $2)';

export function toMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id.replaceAll('-', ''),
    partition: row.partition,
    time: BigInt(row.time),
    body: row.body.toString('utf8'),
    contentType: row.content_type,
    expiresAt: Number(row.expires_at),
    ...headersField(row.headers),
  };
}

/**
 * The parameters $1..$8 of a write of whole rows: the target, then one array
 * per column (partition, time, id, body, content type, expiry), for `unnest`.
 */
export function rowParameters(
  target: { application: string; queue: string },
  messages: readonly StoredMessage[],
): unknown[] {
  return [
    target.application,
    target.queue,
    messages.map((m) => m.partition),
    messages.map((m) => m.time.toString()),
    messages.map((m) => m.id),
    messages.map((m) => Buffer.from(m.body, 'utf8')),
    messages.map((m) => m.contentType),
    messages.map((m) => m.expiresAt),
  ];
}

/** Inserts (or, with `overwrite`, upserts) fully formed messages. */
export async function writeRows(
  db: Queryable,
  target: { application: string; queue: string },
  messages: StoredMessage[],
  overwrite: boolean,
): Promise<void> {
  await prepared(
    db,
    `WITH input AS (
       SELECT * FROM unnest($3::int[], $4::bigint[], $5::uuid[], $6::bytea[], $7::text[], $8::bigint[], $9::text[])
         AS u(${COLUMNS})
     ), written AS (
       INSERT INTO queuey_messages (queue_key, ${COLUMNS}) SELECT ${QUEUE_KEY}, * FROM input
       ${
         overwrite
           ? `ON CONFLICT (queue_key, partition, time, id) DO UPDATE SET body = EXCLUDED.body,
              content_type = EXCLUDED.content_type, expires_at = EXCLUDED.expires_at,
              headers = EXCLUDED.headers`
           : ''
       }
     )
     ${recordExpiries('input', QUEUE_KEY)}`,
    [...rowParameters(target, messages), messages.map((m) => headersText(m.headers))],
  );
}

/**
 * The read statement. Ascending reads start at `since` and go up, descending
 * ones start there and go down (as the SQLite adapter); either way it is one
 * range scan of the primary key, already in order: O(log n + page).
 * Parameters: application, queue, partition, now, [time, [id]], limit.
 */
export function readSql(order: Order, since: SinceKind): string {
  const ascending = order === 'ascending';
  const cmp = (ascending ? '>' : '<') + (since === 'after' ? '' : '=');
  const byId = since === 'id' || since === 'after';
  const position = byId
    ? `AND (time, id) ${cmp} ($5::bigint, $6::uuid)`
    : since === 'time'
      ? `AND time ${cmp} $5::bigint`
      : '';
  const dir = ascending ? 'ASC' : 'DESC';
  const limit = byId ? '$7' : since === 'time' ? '$6' : '$5';
  return `SELECT ${COLUMNS} FROM queuey_messages
    WHERE queue_key = ${QUEUE_KEY} AND partition = $3 AND expires_at > $4 ${position}
    ORDER BY time ${dir}, id ${dir} LIMIT ${limit}`;
}

/**
 * The read, cut where the running sum of body bytes passes the budget
 * (parameter number `budget`, then the boolean "first row always comes"), as
 * the SQLite adapter does: computed in PostgreSQL, so bodies beyond it are
 * never sent. The first row past the budget comes without its body and
 * flagged `over`: it tells that the page was cut with more stored.
 */
function withinBudget(sql: string, order: Order, budget: number): string {
  const dir = order === 'ascending' ? 'ASC' : 'DESC';
  const window = `OVER (ORDER BY time ${dir}, id ${dir} ROWS UNBOUNDED PRECEDING)`;
  const counted = sql.replace(
    `SELECT ${COLUMNS} FROM`,
    `SELECT ${COLUMNS}, sum(octet_length(body)) ${window} AS total,
       row_number() ${window} AS n FROM`,
  );
  const [max, first] = [`$${budget}`, `$${budget + 1}::boolean`];
  const kept = `(total <= ${max} OR (n = 1 AND ${first}))`;
  // A row follows a kept one when the rows before it fit (or it is the second after a first that always comes).
  const followsKept = `(total - octet_length(body) <= ${max} OR (n = 2 AND ${first}))`;
  return `SELECT partition, time, id, CASE WHEN ${kept} THEN body END AS body, content_type,
      expires_at, headers, NOT ${kept} AS over
    FROM (${counted}) AS page WHERE ${kept} OR ${followsKept}
    ORDER BY time ${dir}, id ${dir}`;
}

export async function readRows(
  db: Queryable,
  target: { application: string; queue: string },
  options: ReadOptions,
): Promise<ReadPage> {
  const { since } = options;
  const kind = sinceKind(since);
  const position = !since
    ? []
    : since.id === undefined
      ? [since.time.toString()]
      : [since.time.toString(), since.id.toLowerCase()];
  const params = [
    target.application,
    target.queue,
    options.partition,
    options.now,
    ...position,
    options.limit,
  ];
  const sql = readSql(options.order, kind);
  if (options.maxBytes === undefined) {
    return (await prepared<MessageRow>(db, sql, params)).rows.map(toMessage);
  }
  const { rows } = await prepared<MessageRow & { over: boolean }>(
    db,
    withinBudget(sql, options.order, params.length + 1),
    [...params, options.maxBytes, options.firstAlways ?? true],
  );
  const over = rows[rows.length - 1]?.over === true;
  return readPage((over ? rows.slice(0, -1) : rows).map(toMessage), over);
}

/** Moves the partitions' clocks up to the times of PUT ids (caller's transaction). */
export async function raiseClocks(
  db: Queryable,
  target: { application: string; queue: string },
  messages: readonly { partition: number; time: bigint }[],
): Promise<void> {
  const highest = new Map<number, bigint>();
  for (const m of messages) {
    const seen = highest.get(m.partition);
    if (seen === undefined || m.time > seen) highest.set(m.partition, m.time);
  }
  const sorted = [...highest].sort((a, b) => a[0] - b[0]);
  await prepared(
    db,
    `INSERT INTO queuey_partition_clocks AS c (application, queue, partition, last_time)
       SELECT $1, $2, u.p, u.t FROM unnest($3::int[], $4::bigint[]) AS u(p, t) ORDER BY u.p
     ON CONFLICT (application, queue, partition) DO UPDATE
       SET last_time = GREATEST(c.last_time, EXCLUDED.last_time)`,
    [
      target.application,
      target.queue,
      sorted.map(([partition]) => partition),
      sorted.map(([, time]) => time.toString()),
    ],
  );
}
