/**
 * Requests for the seeded fuzz of the server's limits: JSON nested deep, lone
 * surrogates, huge numbers, message ids at the extremes of time, and bodies
 * and answers around the size limits.
 */
import fc from 'fast-check';

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const MAX_TIME = (1n << 60n) - 1n;
const UUID_EPOCH_OFFSET = 0x01b21dd213814000n;

function v1Hex(time: bigint, tail: string): string {
  const hex = time.toString(16).padStart(15, '0');
  return `${hex.slice(7)}${hex.slice(3, 7)}1${hex.slice(0, 3)}${tail}`;
}

const nowTime = () => BigInt(Date.now()) * 10_000n + UUID_EPOCH_OFFSET;

/** Times from the first to the last a UUID can hold, and around now. */
const time = fc.oneof(
  fc.constantFrom(0n, 1n, MAX_TIME, MAX_TIME - 1n, UUID_EPOCH_OFFSET),
  fc.bigInt({ min: 0n, max: MAX_TIME }),
  fc.integer({ min: -3_600, max: 3_600 }).map((s) => nowTime() + BigInt(s) * 10_000_000n),
);
const messageId = fc.oneof(
  fc.tuple(time, fc.stringMatching(/^[0-9a-f]{16}$/)).map(([t, tail]) => v1Hex(t, tail)),
  fc.constantFrom('f'.repeat(32), '0'.repeat(32), 'ffffffffffff1fff8000000000000001'),
);

const hugeNumber = fc.constantFrom(
  '1e400',
  '-1e400',
  '1e-400',
  '99999999999999999999999999999999',
  '-0',
  '9007199254740993',
  '1.7976931348623157e308',
  '33554432',
  '33554433',
  '4294967297',
  '0.5',
);
const surrogate = fc.constantFrom(
  '"\\ud800"',
  '"x\\udfff"',
  '"\\udbff\\udbff"',
  '"\\ud83d\\ude00"',
);
const nested = fc
  .tuple(fc.integer({ min: 1, max: 3_000 }), fc.constantFrom('[', '{"a":'))
  .map(([depth, open]) =>
    open === '['
      ? `${'['.repeat(depth)}${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );
/** A JSON value as text: the kinds that broke the server, and ordinary ones. */
const jsonValue = fc.oneof(
  hugeNumber,
  surrogate,
  nested,
  fc.integer({ min: 1, max: 1_100 }).map((n) => JSON.stringify('s'.repeat(n))),
  fc.json({ maxDepth: 3 }),
);
const sized = fc.integer({ min: 0, max: 4_300 }).map((n) => 'b'.repeat(n));

export function limitRequest(queue: string): fc.Arbitrary<FuzzRequest> {
  const base = `/v1/queuey/${queue}`;
  const json = { 'content-type': 'application/json' };
  const batch = fc
    .array(fc.record({ body: jsonValue, ttl: jsonValue, partition: jsonValue, drop: fc.nat(7) }), {
      minLength: 1,
      maxLength: 4,
    })
    .map((items) =>
      items.map((item) => {
        const fields = [`"body":${item.body}`];
        if (item.drop & 1) fields.push(`"ttl":${item.ttl}`);
        if (item.drop & 2) fields.push(`"partition":${item.partition}`);
        return item.drop & 4 ? item.body : `{${fields.join(',')}}`;
      }),
    )
    .map(
      (items): FuzzRequest => ({
        method: 'POST',
        path: base,
        headers: json,
        body: `{"messages":[${items.join(',')}]}`,
      }),
    );
  const plain = fc.tuple(sized, fc.option(hugeNumber), fc.option(hugeNumber)).map(
    ([body, ttl, partition]): FuzzRequest => ({
      method: 'POST',
      path: base,
      headers: {
        'content-type': 'text/plain',
        ...(ttl === null ? {} : { 'x-ttl': ttl }),
        ...(partition === null ? {} : { 'x-partition': partition }),
      },
      body,
    }),
  );
  const put = fc
    .tuple(
      fc.array(fc.tuple(fc.constantFrom('', '1:', '3:', '4:', '999999999:'), messageId), {
        minLength: 1,
        maxLength: 3,
      }),
      sized,
      fc.constantFrom('PUT', 'GET', 'DELETE'),
    )
    .map(
      ([ids, body, method]): FuzzRequest => ({
        method,
        path: `${base}/${encodeURIComponent(ids.map(([p, id]) => `${p}${id}`).join(','))}`,
        headers: { 'content-type': 'text/plain' },
        ...(method === 'PUT' ? { body } : {}),
      }),
    );
  const read = fc
    .record({
      since: fc.option(fc.oneof(messageId, hugeNumber)),
      limit: fc.option(fc.oneof(hugeNumber, fc.constantFrom('1', '1000', '1001', '20000'))),
      maxBytes: fc.option(
        fc.oneof(hugeNumber, fc.constantFrom('0', '1', '2048', '2049', '-5', 'x', '1500')),
      ),
      partitions: fc.option(
        fc.oneof(
          fc.constantFrom('1,2,3', '3,2,1', '4', '999999999999', '1,1,1'),
          fc
            .integer({ min: 1, max: 300 })
            .map((n) => Array.from({ length: n }, (_, i) => i + 1).join(',')),
        ),
      ),
      order: fc.option(fc.constantFrom('ascending', 'descending')),
    })
    .map((q): FuzzRequest => {
      const params = new URLSearchParams();
      if (q.since !== null) params.set('since', q.since);
      if (q.limit !== null) params.set('limit', q.limit);
      if (q.maxBytes !== null) params.set('max_bytes', q.maxBytes);
      if (q.partitions !== null) params.set('partitions', q.partitions);
      if (q.order !== null) params.set('order', q.order);
      return { method: 'GET', path: `${base}?${params}`, headers: {} };
    });
  const create = fc
    .record({
      field: fc.constantFrom('queue_name', 'partitions', 'type', 'principles', 'consistency'),
      value: jsonValue,
    })
    .map(
      ({ field, value }): FuzzRequest => ({
        method: 'POST',
        path: '/v1/queuey',
        headers: json,
        body: `{"${field}":${value}}`,
      }),
    );
  const listing = fc.oneof(hugeNumber, fc.constantFrom('1', '1000', '1001')).map(
    (limit): FuzzRequest => ({
      method: 'GET',
      path: `/v1/queuey?limit=${encodeURIComponent(limit)}&details=true&include_count=true`,
      headers: {},
    }),
  );
  return fc.oneof(batch, plain, put, read, create, listing);
}
