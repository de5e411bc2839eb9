import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server.js';
import { KEY, send } from './support/http-fixture.js';

let dir: string;
let server: RunningServer;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'queuey-concurrency-'));
  server = await startServer({
    port: 0,
    db: join(dir, 'queuey.db'),
    applications: { queuey: KEY },
  });
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

it('gives a reader paging with since every message of concurrent posters exactly once', async () => {
  const request = (method: string, path: string, options = {}) =>
    send(server.url, method, path, options);
  await request('POST', '/v1/queuey', { form: { queue_name: 'busy' } });
  const POSTERS = 12;
  const ROUNDS = 25;
  let posting = true;
  const posters = Array.from({ length: POSTERS }, async (_, poster) => {
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate single posts and batches of two, as clients do.
      const reply =
        round % 2 === 0
          ? await request('POST', '/v1/queuey/busy', {
              body: `${poster}-${round}`,
              headers: { 'content-type': 'text/plain' },
            })
          : await request('POST', '/v1/queuey/busy', {
              json: {
                messages: [{ body: `${poster}-${round}a` }, { body: `${poster}-${round}b` }],
              },
            });
      expect(reply.status).toBe(201);
    }
  });
  const expected = POSTERS * (Math.ceil(ROUNDS / 2) + Math.floor(ROUNDS / 2) * 2);
  const seen: string[] = [];
  const reader = (async () => {
    let since: string | undefined;
    for (;;) {
      const done = !posting;
      const reply = await request('GET', '/v1/queuey/busy', {
        query: since ? { since, limit: 7 } : { limit: 7 },
      });
      expect(reply.status).toBe(200);
      // `since` is inclusive: the client drops the message it already has.
      const fresh = (reply.json.messages as { message_id: string; body: string }[]).filter(
        (message) => message.message_id !== since,
      );
      for (const message of fresh) seen.push(message.body);
      since = fresh.at(-1)?.message_id ?? since;
      if (fresh.length === 0 && done) return;
    }
  })();
  await Promise.all(posters);
  posting = false;
  await reader;
  expect(seen).toHaveLength(expected);
  expect(new Set(seen).size).toBe(expected);
  // Each poster waited for its previous answer, so its messages read back in its order.
  for (let poster = 0; poster < POSTERS; poster++) {
    const mine = seen.filter((body) => body.startsWith(`${poster}-`));
    const order = mine.map(
      (body) => Number.parseInt(body.split('-')[1] ?? '', 10) * 2 + (body.endsWith('b') ? 1 : 0),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
  }
}, 60_000);
