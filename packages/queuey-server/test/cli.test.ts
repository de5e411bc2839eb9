import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listening, useCli } from './support/cli.js';
import { createTestSchema } from './support/postgres.js';

const KEY = 'f25bfb8fe200475c8a0532a9cbe7651e';
const cli = useCli();
const run = cli.run;

describe('queuey serve', { timeout: 30_000 }, () => {
  it('prints the URL, answers heartbeat and requests, never prints the key, exits 0 on SIGTERM', async () => {
    const server = run([
      'serve',
      '--port',
      '0',
      '--db',
      join(cli.dir(), 'x.db'),
      '--app-key',
      `queuey=${KEY}`,
    ]);
    const url = await listening(server);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/__heartbeat__`)).status).toBe(200);
    const created = await fetch(`${url}/v1/queuey`, {
      method: 'POST',
      headers: { authorization: `Application ${KEY}` },
    });
    expect(created.status).toBe(201);
    expect(server.stdout).toContain('application queuey');
    expect(server.stdout + server.stderr).not.toContain(KEY);
    expect((await server.stop('SIGTERM')).code).toBe(0);
  });

  it('generates and prints a key once when none is given, and stores under var/ by default', async () => {
    const server = run(['serve', '--port', '0']);
    const url = await listening(server);
    const key = /generated key ([0-9a-f]{32})/.exec(server.stdout)?.[1];
    expect(key).toBeDefined();
    const list = await fetch(`${url}/v1/queuey`, {
      headers: { authorization: `Application ${key}` },
    });
    expect(list.status).toBe(200);
    expect((await server.stop('SIGINT')).code).toBe(0);
    execFileSync('test', ['-f', join(cli.dir(), 'var', 'queuey.db')]);
  });

  it('reads an INI file, with flags overriding it', async () => {
    const config = join(cli.dir(), 'queuey.ini');
    await writeFile(
      config,
      `[application_keys]\nqueuey = ${KEY}\nother =\n  aaaa, bbbb\n\n[storage]\nbackend = sqlite\npath = data/q.db\n\n[server]\nhost = 127.0.0.1\nport = 1\n`,
    );
    const server = run(['serve', '-c', config, '--port', '0']);
    const url = await listening(server);
    const list = await fetch(`${url}/v1/other`, { headers: { authorization: 'Application bbbb' } });
    expect(list.status).toBe(200);
    expect(server.stdout).toContain('application other: 2 keys configured');
    expect((await server.stop('SIGTERM')).code).toBe(0);
    execFileSync('test', ['-f', join(cli.dir(), 'data', 'q.db')]);
  });
});

describe('queuey serve on PostgreSQL', { timeout: 60_000 }, () => {
  it('serves from a [storage] backend = postgres config and from --storage, sharing one database', async () => {
    const schema = await createTestSchema();
    try {
      const config = join(cli.dir(), 'pg.ini');
      await writeFile(
        config,
        `[application_keys]\nqueuey = ${KEY}\n[storage]\nbackend = postgres\nurl = ${schema.url}\nschema = ${schema.schema}\n`,
      );
      const a = run(['serve', '-c', config, '--port', '0']);
      const urlA = await listening(a);
      const auth = { authorization: `Application ${KEY}` };
      const queue = `pg${Date.now()}`;
      const created = await fetch(`${urlA}/v1/queuey`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: `queue_name=${queue}`,
      });
      expect(created.status).toBe(201);
      expect(
        (
          await fetch(`${urlA}/v1/queuey/${queue}`, {
            method: 'POST',
            headers: auth,
            body: 'via A',
          })
        ).status,
      ).toBe(201);
      // A second server on the same schema sees what the first stored.
      const b = run(['serve', '-c', config, '--port', '0']);
      const urlB = await listening(b);
      const read = await (await fetch(`${urlB}/v1/queuey/${queue}`, { headers: auth })).json();
      expect(read.messages.map((m: { body: string }) => m.body)).toEqual(['via A']);
      expect(a.stdout + a.stderr + b.stdout + b.stderr).not.toContain(schema.url);
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      expect((await a.exited).code).toBe(0);
      expect((await b.exited).code).toBe(0);
    } finally {
      await schema.drop();
    }
  });

  it('says in one line when the database cannot be reached, without the password', async () => {
    const server = run([
      'serve',
      '--port',
      '0',
      '--storage',
      'postgres://u:sekrit@127.0.0.1:9/none',
      '--app-key',
      `queuey=${KEY}`,
    ]);
    expect((await server.exited).code).toBe(1);
    expect(server.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(server.stderr).toMatch(/^queuey: .*PostgreSQL is unreachable/);
    expect(server.stderr).not.toContain('sekrit');
  });
});

describe('bad usage', { timeout: 30_000 }, () => {
  it.each([
    [['serve', '--port', 'abc'], /--port must be an integer/],
    [['serve', '--bogus'], /^queuey: unknown option --bogus \(see queuey --help\)$/],
    [['serve', '--port'], /^queuey: option --port needs a value \(see queuey --help\)$/],
    [['frob'], /unknown command "frob"/],
    [[], /missing command/],
    [['serve', '--app-key', 'nokey'], /--app-key must be NAME=KEY/],
    [['serve', 'extra'], /unexpected argument "extra"/],
    [['serve', '-c', 'missing.ini'], /missing\.ini does not exist/],
  ])('%j exits 2 with one clear line and no stack', async (args, message) => {
    const result = run(args);
    expect((await result.exited).code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('names file, section and key for a bad config value', async () => {
    const config = join(cli.dir(), 'bad.ini');
    await writeFile(config, '[server]\nport = lots\n');
    const result = run(['serve', '-c', config]);
    expect((await result.exited).code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `queuey: ${config}:2 [server] port: expected an integer from 0 to 65535, got "lots"`,
    );
  });

  it('prints help and the version with exit 0', async () => {
    const help = run(['--help']);
    expect((await help.exited).code).toBe(0);
    expect(help.stdout).toContain('Usage: queuey serve');
    const version = run(['--version']);
    expect((await version.exited).code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
