import { chmod, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listening, makeCertificate, root, until, useCli } from './support/cli.js';

const KEY = 'f25bfb8fe200475c8a0532a9cbe7651e';
const OTHER = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const cli = useCli();

const list = (url: string, key: string) =>
  fetch(`${url}/v1/queuey`, { headers: { authorization: `Application ${key}` } });

describe('queuey serve: keys outside the command line', { timeout: 30_000 }, () => {
  it('reads keys from --app-key-file, never printing them', async () => {
    const file = join(cli.dir(), 'keys');
    await writeFile(file, `# keys\nqueuey = ${KEY}\nqueuey = ${OTHER}\n`);
    await chmod(file, 0o600);
    const server = cli.run(['serve', '--port', '0', '--db', ':memory:', '--app-key-file', file]);
    const url = await listening(server);
    expect((await list(url, KEY)).status).toBe(200);
    expect((await list(url, OTHER)).status).toBe(200);
    expect(server.stdout).toContain('application queuey: 2 keys configured');
    expect(server.stdout + server.stderr).not.toMatch(new RegExp(`${KEY}|${OTHER}`));
    expect(server.stderr).toBe('');
  });

  it('reads keys from QUEUEY_APP_KEYS, and the INI app_key_file, warning about a readable key file', async () => {
    const env = cli.run(['serve', '--port', '0', '--db', ':memory:'], {
      QUEUEY_APP_KEYS: `queuey=${KEY}`,
    });
    expect((await list(await listening(env), KEY)).status).toBe(200);
    expect(env.stdout + env.stderr).not.toContain(KEY);

    await writeFile(join(cli.dir(), 'keys'), `queuey = ${OTHER}\n`);
    await chmod(join(cli.dir(), 'keys'), 0o644);
    const ini = join(cli.dir(), 'q.ini');
    await writeFile(ini, '[storage]\npath = :memory:\n[server]\nport = 0\napp_key_file = keys\n');
    const fromIni = cli.run(['serve', '-c', ini]);
    expect((await list(await listening(fromIni), OTHER)).status).toBe(200);
    expect(fromIni.stderr).toMatch(/may be read by other users \(mode 644\); chmod 600 it/);
    expect(fromIni.stdout + fromIni.stderr).not.toContain(OTHER);
  });

  it('says which lines of a bad key file are wrong without showing them', async () => {
    const file = join(cli.dir(), 'keys');
    await writeFile(file, `queuey = ${KEY}\n${OTHER}\n`);
    const server = cli.run(['serve', '--port', '0', '--app-key-file', file]);
    expect((await server.exited).code).toBe(2);
    expect(server.stderr.trim()).toBe(`queuey: app key file ${file}: line 2 not NAME = KEY`);
  });
});

describe('queuey serve: operations', { timeout: 30_000 }, () => {
  it('reports every INI problem at once, each as file:line [section] key', async () => {
    const ini = join(cli.dir(), 'bad.ini');
    await writeFile(
      ini,
      '[server]\nport = lots\nhots = x\nlog_format = xml\n[storage]\nbackend = cassandra\n',
    );
    const server = cli.run(['serve', '-c', ini]);
    expect((await server.exited).code).toBe(2);
    expect(server.stderr.trim().split('\n')).toEqual([
      `queuey: ${ini} has 4 problems:`,
      `  ${ini}:2 [server] port: expected an integer from 0 to 65535, got "lots"`,
      `  ${ini}:3 [server] hots: unknown key; expected one of host, port, body_limit, max_wait, purge_interval, disable_extensions, max_connections, headers_timeout, request_timeout, keep_alive_timeout, max_held_waits, max_held_waits_per_key, max_anonymous_waits, max_anonymous_waits_per_client, wait_retry_after, tls_cert, tls_key, app_key_file, log_format, log_level, access_log`,
      `  ${ini}:4 [server] log_format: expected one of pretty, json, got "xml"`,
      `  ${ini}:6 [storage] backend: expected sqlite or postgres, got "cassandra"`,
    ]);
  });

  it('takes the held-read limits from flags over the INI file, and says in one line what to fix', async () => {
    const ini = join(cli.dir(), 'limits.ini');
    await writeFile(ini, '[server]\nmax_held_waits = 8\nmax_anonymous_waits = 2\nport = 0\n');
    const bad = cli.run(['serve', '-c', ini, '--max-anonymous-waits-per-client', 'lots']);
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      'queuey: --max-anonymous-waits-per-client must be a positive integer, got "lots"',
    );
    // The file's total of 2 anonymous reads is below the flag's 3 per client.
    const crossed = cli.run(['serve', '-c', ini, '--max-anonymous-waits-per-client', '3']);
    expect((await crossed.exited).code).toBe(2);
    expect(crossed.stderr.trim()).toBe(
      'queuey: maxAnonymousWaitsPerClient (3) must not be more than maxAnonymousWaits (2)',
    );
    const server = cli.run(['serve', '-c', ini, '--max-anonymous-waits', '3', '--db', 'q.db']);
    const url = await listening(server);
    expect((await fetch(`${url}/__heartbeat__`)).status).toBe(200);
  });

  it('logs JSON at the level asked, with an access log that never holds a key', async () => {
    const ini = join(cli.dir(), 'q.ini');
    await writeFile(
      ini,
      `[application_keys]\nqueuey = ${KEY}\n[server]\nport = 0\nlog_format = pretty\naccess_log = true\n`,
    );
    const json = cli.run(['serve', '-c', ini, '--db', ':memory:'], { QDO_LOG_FORMAT: 'json' });
    const url = await listening(json);
    expect((await list(url, KEY)).status).toBe(200);
    await until(() => json.stderr.includes('"msg":"request"'), 'an access log line');
    const entry = JSON.parse(json.stderr.trim().split('\n').at(-1) as string);
    expect(entry).toMatchObject({ level: 'info', msg: 'request', method: 'GET', status: 200 });
    expect(entry.path).toBe('/v1/queuey');
    expect((await json.stop('SIGTERM')).code).toBe(0);
    // Every line is one JSON object, the closing one too; no key anywhere.
    const lines = json.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'SIGTERM: closing' });
    expect(json.stderr).not.toContain(KEY);

    const quiet = cli.run(['serve', '-c', ini, '--db', ':memory:', '--log-level', 'warn']);
    expect((await list(await listening(quiet), KEY)).status).toBe(200);
    expect(quiet.stderr).toBe('');
  });

  it('serves HTTPS with --tls-cert/--tls-key, and warns about plain HTTP off loopback only', async () => {
    const { cert, key } = makeCertificate(cli.dir());
    const server = cli.run(
      ['serve', '--port', '0', '--db', ':memory:', '--tls-cert', cert, '--tls-key', key],
      { QUEUEY_APP_KEYS: `queuey=${KEY}` },
    );
    const url = await listening(server);
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = await readFile(cert);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      request(`${url}/__heartbeat__`, { ca }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
    expect(server.stderr).not.toMatch(/plain HTTP/);
  });

  it('prints -v, and --help points to the protocol doc that is in the repository', async () => {
    const version = cli.run(['-v']);
    expect((await version.exited).code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = cli.run(['--help']);
    expect((await help.exited).code).toBe(0);
    expect(help.stdout).toContain('docs/QUEUEY_API.md');
    expect(help.stdout).toContain('--app-key-file');
    expect(help.stdout).toContain('QUEUEY_APP_KEYS');
    const doc = await readFile(join(root, '..', '..', 'docs', 'QUEUEY_API.md'), 'utf8');
    expect(doc).toMatch(/^# The Queuey v1 protocol/);
  });
});
