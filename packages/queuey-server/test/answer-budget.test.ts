/**
 * One byte budget for a whole read answer, measured on the shipped `queuey`
 * bin: 100 partitions each holding one 1 MB message, read all at once by
 * four clients. Every answer stays within the budget (a message bigger than
 * it comes alone), and the server's peak resident memory stays within the
 * bound its README states: BUDGETS_PER_ANSWER x budget per answer in flight.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listening, useCli } from './support/cli.js';

const KEY = 'f25bfb8fe200475c8a0532a9cbe7651e';
const AUTH = { authorization: `Application ${KEY}` };
const PARTITIONS = 100;
const MESSAGE = 1_000_000;
const BUDGET = 8 * 1024 * 1024;
const READERS = 4;
/**
 * Server memory per answer in flight, in budgets (README "Answer budget"):
 * the bodies as read, the JSON text and the bytes sent, and garbage the
 * collector has not taken yet.
 */
const BUDGETS_PER_ANSWER = 10;
const MIB = 1024 * 1024;

const cli = useCli();

/** The process's peak resident memory so far (VmHWM), bytes. */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kb) * 1024;
}

interface Read {
  bodies: number;
  count: number;
  partitions: Set<number>;
  partial: string | null;
}

async function read(url: string, query: string): Promise<Read> {
  const answer = await fetch(`${url}/v1/queuey/wide?${query}`, { headers: AUTH });
  expect(answer.status).toBe(200);
  const { messages } = (await answer.json()) as {
    messages: { body: string; partition: number }[];
  };
  return {
    bodies: messages.reduce((sum, m) => sum + Buffer.byteLength(m.body), 0),
    count: messages.length,
    partitions: new Set(messages.map((m) => m.partition)),
    partial: answer.headers.get('x-queuey-partial'),
  };
}

describe('answer budget (real server process)', { timeout: 120_000 }, () => {
  it('keeps every answer and the server peak RSS within the budget with 4 readers of 100 x 1 MB', async () => {
    const server = cli.run([
      'serve',
      '--port',
      '0',
      '--db',
      join(cli.dir(), 'budget.db'),
      '--app-key',
      `queuey=${KEY}`,
    ]);
    const url = await listening(server);
    const pid = server.child.pid as number;
    const created = await fetch(`${url}/v1/queuey`, {
      method: 'POST',
      headers: AUTH,
      body: new URLSearchParams({ queue_name: 'wide', partitions: String(PARTITIONS) }),
    });
    expect(created.status).toBe(201);
    const body = 'm'.repeat(MESSAGE);
    for (let partition = 1; partition <= PARTITIONS; partition++) {
      const posted = await fetch(`${url}/v1/queuey/wide`, {
        method: 'POST',
        headers: { ...AUTH, 'x-partition': String(partition), 'content-type': 'text/plain' },
        body,
      });
      expect(posted.status).toBe(201);
    }
    const all = Array.from({ length: PARTITIONS }, (_, i) => i + 1);
    const queries = [
      `partitions=${all.join(',')}`,
      `positions=${all.join(',')}`,
      `partitions=${all.join(',')}&max_bytes=1000`,
      `positions=${all.join(',')}&max_bytes=1000`,
    ];
    const before = await peakRss(pid);
    const answers: Read[] = [];
    for (let round = 0; round < 3; round++) {
      for (const query of queries) {
        answers.push(
          ...(await Promise.all(Array.from({ length: READERS }, () => read(url, query)))),
        );
      }
    }
    const peak = await peakRss(pid);
    for (const [index, answer] of answers.entries()) {
      const query = queries[Math.floor(index / READERS) % queries.length] as string;
      const small = query.includes('max_bytes');
      // Progress: never an empty answer while messages are stored.
      expect(answer.count).toBeGreaterThan(0);
      if (small) {
        // Every message is bigger than 1000 bytes: one comes, alone.
        expect(answer.count).toBe(1);
      } else {
        expect(answer.bodies).toBeLessThanOrEqual(BUDGET);
        expect(answer.count).toBe(Math.floor(BUDGET / MESSAGE));
      }
      // The partitions the budget left out are named, so nobody takes them for empty.
      const left = all.filter((p) => !answer.partitions.has(p));
      expect(answer.partial).toBe(left.join(','));
    }
    const grown = peak - before;
    const bound = READERS * BUDGETS_PER_ANSWER * BUDGET;
    console.info(
      `peak RSS ${(before / MIB).toFixed(0)} MiB before the reads, ${(peak / MIB).toFixed(0)} MiB after (+${(grown / MIB).toFixed(0)} MiB; bound ${(bound / MIB).toFixed(0)} MiB)`,
    );
    expect(grown).toBeLessThanOrEqual(bound);
    expect((await server.stop('SIGTERM')).code).toBe(0);
  });
});
