/**
 * A post's answer is written as JSON text by hand (posted-answer.ts): it
 * must be the very bytes JSON.stringify made, and name the ids stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTimestamp, UUID_EPOCH_OFFSET, uuidTime } from '@qdo/common';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonText } from '../src/http/context.js';
import { postedAnswer } from '../src/http/posted-answer.js';
import { type RunningServer, startServer } from '../src/server.js';
import type { StoredMessage } from '../src/storage/types.js';
import { KEY } from './support/http-fixture.js';

/** The answer as it was made before: objects, then JSON.stringify. */
function stringified(stored: readonly StoredMessage[]): string {
  const messages = stored.map((m) => ({
    key: m.id,
    timestamp: formatTimestamp(m.time),
    partition: m.partition,
  }));
  return JSON.stringify({ status: 'ok', messages });
}

const storedMessage = fc.record({
  id: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex')),
  // Around now, across second boundaries, and before 1970 (a negative timestamp).
  time: fc.oneof(
    fc.bigInt({ min: UUID_EPOCH_OFFSET, max: UUID_EPOCH_OFFSET + 10n ** 17n }),
    fc.bigInt({ min: 0n, max: UUID_EPOCH_OFFSET }),
  ),
  partition: fc.integer({ min: 1, max: 10_000 }),
  body: fc.string(),
  contentType: fc.constant(null),
  expiresAt: fc.constant(0),
});

describe('the answer of a post', () => {
  it('is the text JSON.stringify makes of its objects', () => {
    fc.assert(
      fc.property(fc.array(storedMessage, { maxLength: 50 }), (stored) => {
        const answer = postedAnswer(stored);
        expect(answer.status).toBe(201);
        expect(answer.body).toBeInstanceOf(JsonText);
        expect((answer.body as JsonText).text).toBe(stringified(stored));
      }),
    );
  });
});

describe('a batch post over HTTP', { timeout: 30_000 }, () => {
  let dir: string;
  let server: RunningServer;
  const auth = { authorization: `Application ${KEY}` };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'posted-answer-'));
    server = await startServer({ port: 0, db: join(dir, 'q.db'), applications: { queuey: KEY } });
    const made = await fetch(`${server.url}/v1/queuey`, {
      method: 'POST',
      headers: auth,
      body: new URLSearchParams({ queue_name: 'q', partitions: '3' }),
    });
    expect(made.status).toBe(201);
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers compact JSON naming each stored message by its own id, time and partition', async () => {
    const sent = Array.from({ length: 1000 }, (_, i) => ({
      body: `m${i}`,
      partition: (i % 3) + 1,
    }));
    const posted = await fetch(`${server.url}/v1/queuey/q`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: sent }),
    });
    expect(posted.status).toBe(201);
    expect(posted.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = await posted.text();
    const answer = JSON.parse(text) as {
      status: string;
      messages: { key: string; timestamp: string; partition: number }[];
    };
    expect(text).toBe(JSON.stringify(answer));
    expect(answer.status).toBe('ok');
    expect(answer.messages.map((m) => m.partition)).toEqual(sent.map((m) => m.partition));
    for (const m of answer.messages) expect(m.timestamp).toBe(formatTimestamp(uuidTime(m.key)));
    expect(new Set(answer.messages.map((m) => m.key)).size).toBe(sent.length);

    // Each key reads back as the message posted in its place.
    const bodies = new Map<string, string>();
    for (const partition of [1, 2, 3]) {
      const read = await fetch(`${server.url}/v1/queuey/q?partitions=${partition}&limit=1000`, {
        headers: auth,
      });
      const { messages } = (await read.json()) as {
        messages: { message_id: string; body: string }[];
      };
      for (const m of messages) bodies.set(m.message_id, m.body);
    }
    expect(answer.messages.map((m) => bodies.get(m.key))).toEqual(sent.map((m) => m.body));
  });
});
