/**
 * Posting a batch (and writing messages under the caller's ids, PUT) to
 * PostgreSQL in ONE statement each, run as its own transaction.
 *
 * The id guarantee (see postgres-messages.ts) needs each partition's clock
 * row locked from the moment times are handed out until the batch is
 * visible. That lock is what concurrent writers of a partition queue on, so
 * it is held for as little as possible: the statement checks the queue,
 * moves the clocks, builds the ids, inserts the rows and records their
 * expiry ranges (postgres-expiry.ts) inside PostgreSQL, and commits right
 * after, with no round trip to this server while the locks are held (as
 * BEGIN, one statement per step and COMMIT had). The
 * long-poll NOTIFY is sent after the commit by the caller (postgres-notify.ts),
 * not inside: a NOTIFY takes a lock on the whole database while its
 * transaction commits, which would put every writer of every queue in line.
 *
 * Ids are UUID v1 strings of (time, random tail): the tails come from here,
 * the times from the clocks, which the statement returns (one row per
 * partition); the ids are made here from both.
 */
import { randomBytes } from 'node:crypto';
import { timeFromEpochMs, uuidFromTime } from '@qdo/common';
import type { MessageRow } from './adapter.js';
import { queueNotFound } from './errors.js';
import { recordExpiries } from './postgres-expiry.js';
import { rowParameters } from './postgres-messages.js';
import { prepared, type Queryable } from './postgres-prepared.js';
import { headersText, type StoredMessage } from './types.js';

/** The UUID text of `t` (a bigint expression) and `tail` (16 hex digits), as ids.ts lays it out. */
const UUID_OF = (t: string, tail: string) => `(
  lpad(to_hex(${t} & 4294967295), 8, '0') || lpad(to_hex((${t} >> 32) & 65535), 4, '0') ||
  lpad(to_hex(4096 | (${t} >> 48)), 4, '0') || ${tail})::uuid`;

// $1 application, $2 queue, $3 now's time, then the messages' fields.
// `k` is the message's place among the batch's messages of its partition
// (1-based) and `n` their count, so the partition's new times are
// last_time - n + 1 .. last_time, handed out in request order. The statement
// answers with the clocks alone (one row per partition): the caller knows
// every k, n and tail, so it makes each id itself, and PostgreSQL neither
// sorts nor sends back a row per message.
//
// How the fields travel costs more than the SQL (see batchParameters): the
// bodies as ONE binary bytea (their UTF-8 bytes end to end, cut by start and
// length in here), the random tails as another (8 bytes each, in order), the
// other columns as array literals this module writes; a column that is NULL
// for every message goes as an empty array, which unnest pads with NULLs.
// A post of one message (the common case of a live queue) passes plain
// values instead, as a one-partition read does (see postgres-partitions.ts):
// planned once, not at each call.
const FROM_BATCH = `
  SELECT u.partition, u.k, u.n, substring($7::bytea FROM u.start + 1 FOR u.length) AS body,
         u.content_type, u.expires_at,
         encode(substring($12::bytea FROM u.ord::int * 8 - 7 FOR 8), 'hex') AS tail, u.headers
  FROM unnest($4::int[], $5::int[], $6::int[], $8::int[], $9::int[], $10::text[], $11::bigint[],
    $13::text[]) WITH ORDINALITY
    AS u(partition, k, n, start, length, content_type, expires_at, headers, ord)`;
const FROM_ONE = `
  SELECT $4::int AS partition, 1 AS k, 1 AS n, $5::bytea AS body, $6::text AS content_type,
         $7::bigint AS expires_at, $8::text AS tail, $9::text AS headers`;

/** The input's rows with their times (the partition's new last time, counted back). */
const TIMED =
  '(SELECT i.*, clock.last_time - i.n + i.k AS time FROM input AS i JOIN clock USING (partition))';

const insertSql = (input: string) => `
WITH queue AS (
  SELECT key, partitions FROM queuey_queues WHERE application = $1 AND name = $2 FOR KEY SHARE
), input AS (${input}
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
  INSERT INTO queuey_messages (queue_key, partition, time, id, body, content_type, expires_at, headers)
    SELECT (SELECT key FROM queue), s.partition, s.time, ${UUID_OF('s.time', 's.tail')}, s.body,
           s.content_type, s.expires_at, s.headers
    FROM ${TIMED} AS s
), expiry AS (
  ${recordExpiries(TIMED, '(SELECT key FROM queue)')}
)
SELECT partition, last_time::text AS last_time, previous_time::text AS previous_time FROM clock`;
const INSERT_BATCH_SQL = insertSql(FROM_BATCH);
const INSERT_ONE_SQL = insertSql(FROM_ONE);

/**
 * A PostgreSQL array literal of integers, or of text (null as NULL, every
 * other element quoted). node-pg would write the same literal from a JS
 * array, but quoting and escaping every element, numbers too, with two
 * regular expressions each (the A/B in BENCHMARKS.md).
 */
function intArray(values: readonly number[]): string {
  return `{${values.join(',')}}`;
}

function textArray(values: readonly (string | null)[]): string {
  if (values.every((value) => value == null)) return '{}';
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) out += ',';
    out += value == null ? 'NULL' : `"${value.replace(/[\\"]/g, '\\$&')}"`;
  }
  return `${out}}`;
}

/** The bodies' UTF-8 bytes end to end (sent in binary: no escaping, no hex), and where each starts and how long it is. */
function bodyBytes(bodies: readonly string[]): {
  bytes: Buffer;
  start: number[];
  length: number[];
} {
  let room = 0;
  for (const body of bodies) room += Buffer.byteLength(body, 'utf8');
  const bytes = Buffer.allocUnsafe(room);
  const start: number[] = [];
  const length: number[] = [];
  let at = 0;
  for (const body of bodies) {
    const written = bytes.write(body, at, 'utf8');
    start.push(at);
    length.push(written);
    at += written;
  }
  return { bytes: bytes.subarray(0, at), start, length };
}

/** The statement's parameters after $3, for one message or a batch. */
function batchParameters(
  messages: readonly MessageRow[],
  k: number[],
  n: number[],
  tail: Tails,
): unknown[] {
  const headers = messages.map((m) => headersText(m.headers));
  if (messages.length === 1) {
    const [m] = messages as [MessageRow];
    return [
      m.partition,
      Buffer.from(m.body, 'utf8'),
      m.contentType,
      m.expiresAt,
      tail.hex[0],
      headers[0],
    ];
  }
  const { bytes, start, length } = bodyBytes(messages.map((m) => m.body));
  return [
    intArray(messages.map((m) => m.partition)),
    intArray(k),
    intArray(n),
    bytes,
    intArray(start),
    intArray(length),
    textArray(messages.map((m) => m.contentType)),
    intArray(messages.map((m) => m.expiresAt)),
    tail.bytes,
    textArray(headers),
  ];
}

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

/** Random UUID tails, 8 bytes each: their bytes end to end, and each as hex. */
interface Tails {
  bytes: Buffer;
  hex: string[];
}

/** Random UUID tails: variant bits 10, and the multicast bit set as for a random node. */
function tails(count: number): Tails {
  const bytes = randomBytes(8 * count);
  for (let at = 0; at < bytes.length; at += 8) {
    bytes[at] = ((bytes[at] ?? 0) & 0x3f) | 0x80;
    bytes[at + 2] = (bytes[at + 2] ?? 0) | 0x01;
  }
  // One hex string for all, cut in 16-digit pieces.
  const all = bytes.toString('hex');
  const hex: string[] = [];
  for (let at = 0; at < all.length; at += 16) hex.push(all.slice(at, at + 16));
  return { bytes, hex };
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
  const sql = messages.length === 1 ? INSERT_ONE_SQL : INSERT_BATCH_SQL;
  const { rows } = await prepared<ClockRow>(db, sql, [
    target.application,
    target.queue,
    timeFromEpochMs(now).toString(),
    ...batchParameters(messages, k, n, tail),
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
      id: uuidFromTime(time).slice(0, 16) + (tail.hex[i] as string),
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
  SELECT key FROM queuey_queues WHERE application = $1 AND name = $2 FOR KEY SHARE
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
  INSERT INTO queuey_messages (queue_key, partition, time, id, body, content_type, expires_at)
    SELECT (SELECT key FROM queue), * FROM input
  ON CONFLICT (queue_key, partition, time, id) DO UPDATE SET body = EXCLUDED.body,
    content_type = EXCLUDED.content_type, expires_at = EXCLUDED.expires_at, headers = NULL
), expiry AS (
  ${recordExpiries('input', '(SELECT key FROM queue)')}
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
