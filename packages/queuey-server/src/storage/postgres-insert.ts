/**
 * Posting a batch (and writing messages under the caller's ids, PUT) to
 * PostgreSQL in ONE statement each, run as its own transaction.
 *
 * The id guarantee (see postgres-messages.ts) needs each partition's clock
 * row locked from the moment times are handed out until the batch is
 * visible. That lock is what concurrent writers of a partition queue on, so
 * it is held for as little as possible: the statement checks the queue,
 * moves the clocks, builds the ids and inserts the rows inside PostgreSQL,
 * and commits right after, with no round trip to this server while the
 * locks are held (as BEGIN, one statement per step and COMMIT had). The
 * long-poll NOTIFY is sent after the commit by the caller (postgres-notify.ts),
 * not inside: a NOTIFY takes a lock on the whole database while its
 * transaction commits, which would put every writer of every queue in line.
 *
 * Ids are UUID v1 strings of (time, random tail): the tails come from here,
 * the times from the clocks; the statement returns the rows in request order.
 */
import { randomBytes } from 'node:crypto';
import { timeFromEpochMs, uuidFromTime } from '@qdo/common';
import type { MessageRow } from './adapter.js';
import { queueNotFound } from './errors.js';
import { rowParameters } from './postgres-messages.js';
import { prepared, type Queryable } from './postgres-prepared.js';
import { headersText, type StoredMessage } from './types.js';

/** The UUID text of `t` (a bigint expression) and `tail` (16 hex digits), as ids.ts lays it out. */
const UUID_OF = (t: string, tail: string) => `(
  lpad(to_hex(${t} & 4294967295), 8, '0') || lpad(to_hex((${t} >> 32) & 65535), 4, '0') ||
  lpad(to_hex(4096 | (${t} >> 48)), 4, '0') || ${tail})::uuid`;

// $1 application, $2 queue, $3 now's time, $4.. one array per message field.
// `k` is the message's place among the batch's messages of its partition
// (1-based) and `n` their count, so the partition's new times are
// last_time - n + 1 .. last_time, handed out in request order. The statement
// answers with the clocks alone (one row per partition): the caller knows
// every k, n and tail, so it makes each id itself (newIds), and PostgreSQL
// neither sorts nor sends back a row per message. Bodies travel as text and
// become bytes in here (a bytea array parameter is sent as hex), except in a
// batch with a NUL character, which PostgreSQL's text cannot hold.
// A post of one message (the common case of a live queue) passes plain
// values rather than arrays, as a one-partition read does (see
// postgres-partitions.ts): planned once, not at each call.
const insertSql = (bodies: 'text' | 'bytea', one: boolean) => `
WITH queue AS (
  SELECT partitions FROM queuey_queues WHERE application = $1 AND name = $2 FOR KEY SHARE
), input AS (${
  one
    ? `
  SELECT $4::int AS partition, $5::int AS k, $6::int AS n, $7::${bodies} AS body,
    $8::text AS content_type, $9::bigint AS expires_at, $10::text AS tail, $11::text AS headers`
    : `
  SELECT * FROM unnest($4::int[], $5::int[], $6::int[], $7::${bodies}[], $8::text[], $9::bigint[],
    $10::text[], $11::text[])
    AS u(partition, k, n, body, content_type, expires_at, tail, headers)`
}
), clock AS (
  INSERT INTO queuey_partition_clocks AS c (application, queue, partition, last_time)
    SELECT $1, $2, p.partition, $3::bigint + p.n - 1
    FROM (SELECT DISTINCT partition, n FROM input) AS p
    WHERE (SELECT partitions FROM queue) >= (SELECT max(partition) FROM input)
    ORDER BY p.partition
  ON CONFLICT (application, queue, partition) DO UPDATE
    SET last_time = GREATEST(EXCLUDED.last_time, c.last_time + (EXCLUDED.last_time - $3::bigint + 1)),
        previous_time = c.last_time
  RETURNING partition, last_time, previous_time
), inserted AS (
  INSERT INTO queuey_messages (application, queue, partition, time, id, body, content_type, expires_at, headers)
    SELECT $1, $2, s.partition, s.time, ${UUID_OF('s.time', 's.tail')},
           ${bodies === 'text' ? "convert_to(s.body, 'UTF8')" : 's.body'},
           s.content_type, s.expires_at, s.headers
    FROM (SELECT i.*, clock.last_time - i.n + i.k AS time FROM input AS i JOIN clock USING (partition)) AS s
)
SELECT partition, last_time::text AS last_time, previous_time::text AS previous_time FROM clock`;
const INSERT_SQL = {
  text: { one: insertSql('text', true), many: insertSql('text', false) },
  bytea: { one: insertSql('bytea', true), many: insertSql('bytea', false) },
};
const hasNul = (m: MessageRow) => typeof m.body === 'string' && m.body.includes('\u0000');

interface ClockRow {
  partition: number;
  last_time: string;
  previous_time: string | null;
}

/**
 * A post's messages, and for each partition it wrote the time every message
 * committed there before it is at or below (-1: none), which a held read on
 * this server compares with its position (MessageListener's `before`).
 */
export interface Posted {
  stored: StoredMessage[];
  before: ReadonlyMap<number, bigint>;
}

/** Each message's place among the batch's messages of its partition, and their count. */
function places(messages: readonly { partition: number }[]): { k: number[]; n: number[] } {
  const counts = new Map<number, number>();
  const k = messages.map((m) => {
    const next = (counts.get(m.partition) ?? 0) + 1;
    counts.set(m.partition, next);
    return next;
  });
  return { k, n: messages.map((m) => counts.get(m.partition) ?? 0) };
}

/** Random UUID tails: variant bits 10, and the multicast bit set as for a random node. */
function tails(count: number): string[] {
  const bytes = randomBytes(8 * count);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = 8 * i;
    bytes[at] = ((bytes[at] ?? 0) & 0x3f) | 0x80;
    bytes[at + 2] = (bytes[at + 2] ?? 0) | 0x01;
    out.push(bytes.toString('hex', at, at + 8));
  }
  return out;
}

/**
 * Stores the batch (one statement: run it outside a transaction) and returns
 * it, in request order. A batch naming a partition the queue does not have
 * stores nothing and fails as a missing queue does: the server may have
 * checked it against a cached copy of the queue (http/queue-cache.ts), and
 * looks again.
 */
export async function insertBatch(
  db: Queryable,
  target: { application: string; queue: string },
  messages: readonly MessageRow[],
  now: number,
): Promise<Posted> {
  const { k, n } = places(messages);
  const tail = tails(messages.length);
  const binary = messages.some(hasNul);
  const one = messages.length === 1;
  const sql = INSERT_SQL[binary ? 'bytea' : 'text'][one ? 'one' : 'many'];
  const column = (values: unknown[]) => (one ? values[0] : values);
  const { rows } = await prepared<ClockRow>(db, sql, [
    target.application,
    target.queue,
    timeFromEpochMs(now).toString(),
    ...[
      messages.map((m) => m.partition),
      k,
      n,
      binary ? messages.map((m) => Buffer.from(m.body, 'utf8')) : messages.map((m) => m.body),
      messages.map((m) => m.contentType),
      messages.map((m) => m.expiresAt),
      tail,
      messages.map((m) => headersText(m.headers)),
    ].map(column),
  ]);
  if (rows.length === 0) throw queueNotFound(target.application, target.queue);
  const last = new Map(rows.map((row) => [row.partition, BigInt(row.last_time)]));
  const before = new Map(
    rows.map((row) => [
      row.partition,
      row.previous_time === null ? -1n : BigInt(row.previous_time),
    ]),
  );
  const stored = messages.map((m, i): StoredMessage => {
    const time = (last.get(m.partition) as bigint) - BigInt((n[i] as number) - (k[i] as number));
    return {
      id: uuidFromTime(time).slice(0, 16) + (tail[i] as string),
      partition: m.partition,
      time,
      body: m.body,
      contentType: m.contentType,
      expiresAt: m.expiresAt,
      ...(m.headers ? { headers: m.headers } : {}),
    };
  });
  return { stored, before };
}

// $1 application, $2 queue, then one array per column. The clocks move up to
// the highest time written in each partition (postgres-messages.ts).
const PUT_SQL = `
WITH queue AS (
  SELECT 1 FROM queuey_queues WHERE application = $1 AND name = $2 FOR KEY SHARE
), input AS (
  SELECT * FROM unnest($3::int[], $4::bigint[], $5::uuid[], $6::bytea[], $7::text[], $8::bigint[])
    AS u(partition, time, id, body, content_type, expires_at)
  WHERE EXISTS (SELECT 1 FROM queue)
), clock AS (
  INSERT INTO queuey_partition_clocks AS c (application, queue, partition, last_time)
    SELECT $1, $2, partition, max(time) FROM input GROUP BY partition ORDER BY partition
  ON CONFLICT (application, queue, partition) DO UPDATE
    SET last_time = GREATEST(c.last_time, EXCLUDED.last_time)
), written AS (
  INSERT INTO queuey_messages (application, queue, partition, time, id, body, content_type, expires_at)
    SELECT $1, $2, * FROM input
  ON CONFLICT (application, queue, partition, time, id) DO UPDATE SET body = EXCLUDED.body,
    content_type = EXCLUDED.content_type, expires_at = EXCLUDED.expires_at, headers = NULL
)
SELECT count(*)::int AS n FROM input`;

/** Creates or overwrites messages under their own ids (one statement, outside a transaction). */
export async function putRows(
  db: Queryable,
  target: { application: string; queue: string },
  messages: readonly StoredMessage[],
): Promise<void> {
  const { rows } = await prepared<{ n: number }>(db, PUT_SQL, rowParameters(target, messages));
  if (!rows[0]?.n) throw queueNotFound(target.application, target.queue);
}
