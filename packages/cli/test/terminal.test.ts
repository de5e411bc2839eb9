// Server data printed by qdo reaches a terminal: its control characters
// (an ESC sequence in a status's last_worker or a failed message's body)
// are shown escaped, never sent as they are.
import {
  createLogger,
  ERROR_QUEUE,
  ensureBookkeepingQueues,
  ProgressStore,
  STATUS_QUEUE,
} from '@qdo/core';
import { describe, expect, it } from 'vitest';
import { terminalJson, terminalText } from '../src/cli/terminal.js';
import { row, useQdoServer } from './qdo-server.js';

/** Retitles the terminal, turns text red, clears the screen (C0 ESC and C1 CSI). */
const HOSTILE = '\u001b]0;pwned\u0007red\u001b[31m\u009b2J\u202e';
/** Any control character other than the newlines that end lines. */
const RAW_CONTROL = /(?!\n)[\p{Cc}\u202a-\u202e]/u;

describe('terminal output of server data', () => {
  const f = useQdoServer();

  it('qdo status escapes an ESC sequence in last_worker, in the table and the stuck line', async () => {
    await f.client.createQueue({ queueName: 'jobs' });
    await ensureBookkeepingQueues(f.client, { only: STATUS_QUEUE });
    const [posted] = await f.client.postMessages('jobs', [{ body: 'one' }]);
    const store = new ProgressStore({
      queuey: f.client,
      worker: `w${HOSTILE}`,
      now: Date.now,
      logger: createLogger({ type: 'hidden' }),
    });
    await store.acquire('jobs-1');
    await store.markStuck('jobs-1', posted?.key as string);
    const status = await f.qdo(['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).not.toMatch(RAW_CONTROL);
    const shown = 'w\\x1b]0;pwned\\x07red\\x1b[31m\\x9b2J\\u202e';
    expect(row(status.stdout, 'jobs-1')?.[1]).toBe(shown);
    expect(status.stdout).toContain(`worker ${shown} waits for it`);
    const json = await f.qdo(['status', '--json']);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(json.stdout)[0].owner).toBe(`w${HOSTILE}`);
  });

  it('qdo errors ls and show escape control characters of a failed message body', async () => {
    await ensureBookkeepingQueues(f.client, { only: ERROR_QUEUE });
    const saved = {
      message_id: 'a'.repeat(32),
      timestamp: '1700000000.0000000',
      body: HOSTILE,
      partition: 1,
      queue: 'jobs-1',
    };
    const [posted] = await f.client.postMessages('qdo_error', [
      { body: JSON.stringify(saved), partition: 1 },
    ]);
    const listed = await f.qdo(['errors', 'ls']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toMatch(RAW_CONTROL);
    expect(listed.stdout).toContain('\\x1b]0;pwned\\x07red');
    const shown = await f.qdo(['errors', 'show', `1:${posted?.key}`]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).not.toMatch(RAW_CONTROL);
    expect(shown.stdout).toContain('\\x1b]0;pwned\\x07red');
    const shownJson = await f.qdo(['errors', 'show', `1:${posted?.key}`, '--json']);
    expect(shownJson.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(shownJson.stdout).message.body).toBe(HOSTILE);
    const json = await f.qdo(['errors', 'ls', '--json']);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(json.stdout)[0].message.body).toBe(HOSTILE);
  });
});

describe('terminalText and terminalJson', () => {
  it('show every control character as a visible escape and leave other text alone', () => {
    expect(terminalText('a\u0000b\tc\nd\u007f\u0085\u2066é😀')).toBe(
      'a\\x00b\\tc\\nd\\x7f\\x85\\u2066é😀',
    );
    const value = { s: HOSTILE, n: 1 };
    expect(terminalJson(value)).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(terminalJson(value))).toEqual(value);
  });
});
