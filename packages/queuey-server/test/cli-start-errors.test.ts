import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCertificate, useCli } from './support/cli.js';

const cli = useCli();
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

/** Runs `queuey serve ARGS` to its end: exit code and stderr lines. */
async function serve(args: string[]) {
  const server = cli.run(['serve', '--port', '0', '--db', ':memory:', ...args]);
  const exit = await server.exited;
  expect(server.stderr).not.toMatch(STACK_LINE);
  return { code: exit.code, lines: server.stderr.trimEnd().split('\n'), stdout: server.stdout };
}

describe('queuey serve: settings it cannot start with', { timeout: 30_000 }, () => {
  it('names a --tls-cert or --tls-key that is not PEM, and a key of another certificate', async () => {
    const pair = makeCertificate(
      await mkdir(join(cli.dir(), 'a')).then(() => join(cli.dir(), 'a')),
    );
    const other = makeCertificate(
      await mkdir(join(cli.dir(), 'b')).then(() => join(cli.dir(), 'b')),
    );
    const text = join(cli.dir(), 'notes.txt');
    await writeFile(text, 'not a certificate\n');
    expect(await serve(['--tls-cert', text, '--tls-key', pair.key])).toMatchObject({
      code: 2,
      lines: [
        `queuey: --tls-cert ${text} is not a PEM certificate: give a file that holds "-----BEGIN CERTIFICATE-----"`,
      ],
    });
    expect(await serve(['--tls-cert', pair.cert, '--tls-key', text])).toMatchObject({
      code: 2,
      lines: [
        `queuey: --tls-key ${text} is not a PEM private key: give a file that holds "-----BEGIN PRIVATE KEY-----"`,
      ],
    });
    expect(await serve(['--tls-cert', pair.cert, '--tls-key', other.key])).toMatchObject({
      code: 2,
      lines: [
        `queuey: --tls-key ${other.key} is not the key of --tls-cert ${pair.cert}: give the private key the certificate was made for`,
      ],
    });
  });

  it('names the --host that is no address, and the [server] host of an INI file', async () => {
    expect(await serve(['--host', '999.1.1.1'])).toMatchObject({
      code: 2,
      lines: [
        expect.stringMatching(
          /^queuey: --host "999\.1\.1\.1" is neither an IP address nor a name that resolves \(\w+\): give an address of this machine/,
        ),
      ],
    });
    const ini = join(cli.dir(), 'q.ini');
    await writeFile(ini, '[server]\nhost = 192.0.2.1\n');
    expect(await serve(['-c', ini])).toMatchObject({
      code: 2,
      lines: [
        expect.stringMatching(
          /^queuey: \[server\] host 192\.0\.2\.1 is not an address of this machine \(EADDRNOTAVAIL\)/,
        ),
      ],
    });
  });
});

describe('queuey serve with its stdout closed', { timeout: 30_000 }, () => {
  it('ends quietly, exit 0, instead of dying of EPIPE', async () => {
    const server = cli.run(['serve', '--port', '0', '--db', ':memory:']);
    server.child.stdout?.destroy(); // the reader is gone, as after `queuey serve | head -0`
    const exit = await server.exited;
    expect(exit, server.stderr).toEqual({ code: 0, signal: null });
    expect(server.stderr).not.toMatch(/EPIPE|Error/);
  });
});
