import { QueueyClient } from '@qdo/queuey-client';
import { type RunningServer, startServer } from '@qdo/queuey-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { run, STACK_LINE } from './spawn.js';

const KEY = '0123456789abcdef0123456789abcdef';
const OTHER_KEY = 'fedcba9876543210fedcba9876543210';
let server: RunningServer;
let root: string;

beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:', applications: { queuey: [KEY] } });
  root = `${server.url}/v1/queuey/`;
  const queuey = new QueueyClient({ connection: [root], appKey: KEY });
  await queuey.createQueue({ queueName: 'one' });
});
afterAll(() => server.close());

const qdo = (args: string[], key: string | null, connection = () => root) =>
  run('qdo', [...args, '--connection', connection(), ...(key ? ['--app-key', key] : [])]);

describe('qdo turns every HTTP failure into one line that says what to do', () => {
  const cases: [string, string[], string | null, string, number][] = [
    [
      'no key',
      ['status'],
      null,
      `/v1/queuey/ denied access: give the application's key with --app-key, $QDO_APP_KEY or [queuey] app_key`,
      1,
    ],
    [
      'a wrong key',
      ['queues', 'ls'],
      OTHER_KEY,
      `/v1/queuey/ did not accept the application key: check --app-key, $QDO_APP_KEY or [queuey] app_key`,
      1,
    ],
    [
      'removing a missing queue',
      ['queues', 'rm', 'nosuch'],
      KEY,
      'queue "nosuch" does not exist (qdo queues ls lists the queues; qdo queues create nosuch makes it)',
      1,
    ],
    [
      'a bad queue name',
      ['queues', 'create', 'bad/name'],
      KEY,
      'the server refused it: queue_name: "bad/name" cannot be a queue name: no "/" or control characters',
      1,
    ],
    [
      'a partition beyond the queue',
      ['post', 'one', 'x', '--partition', '9'],
      KEY,
      'the server refused it: partition: 9 is greater than maximum value 1',
      1,
    ],
    [
      'a malformed error id (usage)',
      ['errors', 'show', '9:nope'],
      KEY,
      '"9:nope" is not an error id: expected PARTITION:MESSAGE_ID (32 hex digits), as qdo errors ls lists them',
      2,
    ],
    [
      'an error id not in qdo_error',
      ['errors', 'show', `9:${'a'.repeat(32)}`],
      KEY,
      `no failed message 9:${'a'.repeat(32)} in qdo_error`,
      1,
    ],
  ];
  for (const [what, args, key, message, code] of cases) {
    it(what, async () => {
      const result = await qdo(args, key);
      expect(result.code, JSON.stringify(result)).toBe(code);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(new RegExp(`^qdo: (http://\\S+)?${escapeRe(message)}\\n$`));
      expect(result.stderr).not.toMatch(STACK_LINE);
      expect(result.stderr).not.toContain(KEY);
      expect(result.stderr).not.toContain(OTHER_KEY);
      expect(result.stderr).not.toMatch(/\?|answered \d{3}|\{"/); // no query strings, raw statuses or bodies
    });
  }

  it('names a wrong application and a URL that is no app root', async () => {
    const app = await qdo(['status'], KEY, () => `${server.url}/v1/other/`);
    expect(app).toMatchObject({
      code: 1,
      stderr: `qdo: ${server.url}/v1/other/: No application named "other"; fix the application name in --connection or [queuey] connection (http://HOST:PORT/v1/APP/)\n`,
    });
    const path = await qdo(['queues', 'ls'], KEY, () => `${server.url}/nope/`);
    expect(path).toMatchObject({
      code: 1,
      stderr: `qdo: ${server.url}/nope/ is not a Queuey application root: --connection or [queuey] connection should look like http://HOST:PORT/v1/APP/\n`,
    });
  });

  it('says how to get a server when none answers', async () => {
    const down = await qdo(['queues', 'ls'], KEY, () => 'http://127.0.0.1:9/v1/queuey/');
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /^qdo: cannot reach a Queuey server at http:\/\/127\.0\.0\.1:9\/v1\/queuey\/( \(.+\))?: start it, or fix --connection or \[queuey\] connection\n$/,
    );
  });

  it('explains the same failures when qdo-worker stops on them', async () => {
    using dir = tempDir({
      'j.mjs': 'export const job = () => {};\n',
      'a.conf': `[qdo-worker]\njob = ./j.mjs:job\n[queuey]\nconnection = ${root}\napp_key = ${OTHER_KEY}\n`,
    });
    const result = await run('qdo-worker', ['-c', 'a.conf'], { cwd: dir.path });
    expect(result).toMatchObject({
      code: 1,
      stderr: `qdo-worker: worker stopped: ${root} did not accept the application key: check --app-key, $QDO_APP_KEY or [queuey] app_key\n`,
    });
  });

  it('exits 2 for usage errors of every command', async () => {
    for (const args of [
      ['queues', 'frob'],
      ['errors', 'frob'],
      ['nosuch'],
      ['post'],
      ['queues', 'create'],
    ]) {
      const result = await run('qdo', args);
      expect(result.code, args.join(' ')).toBe(2);
    }
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
