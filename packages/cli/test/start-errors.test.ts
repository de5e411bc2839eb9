// Every bin that listens says in one line which setting keeps it from
// listening, exit 2, without a stack trace.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exampleWorkerConfig, useQdoServer } from './qdo-server.js';
import { run, STACK_LINE } from './spawn.js';

const NO_ADDRESS =
  /is neither an IP address nor a name that resolves \(\w+\): give an address of this machine such as 127\.0\.0\.1, or 0\.0\.0\.0 for every interface$/;

describe('bins that cannot listen where they are told', () => {
  const f = useQdoServer();

  const oneLine = (result: { code: number | null; stderr: string }) => {
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stderr).not.toMatch(/unexpected error/);
    return { code: result.code, lines: result.stderr.trimEnd().split('\n') };
  };

  it('qdo dashboard --host 999.1.1.1 names --host', async () => {
    const result = await f.qdo(['dashboard', '--host', '999.1.1.1', '--token', 'a-token-of-16-chars-or-more']);
    const { code, lines } = oneLine(result);
    expect(code).toBe(2);
    expect(lines).toEqual([expect.stringMatching(/^qdo: dashboard: --host "999\.1\.1\.1" /)]);
    expect(lines[0]).toMatch(NO_ADDRESS);
  });

  it('qdo queuey serve names a --tls-cert that is not PEM and a bad --host', async () => {
    writeFileSync(f.dir.file('notes.txt'), 'not a certificate\n');
    const tls = await run(
      'qdo',
      [
        'queuey',
        'serve',
        '--port',
        '0',
        '--db',
        ':memory:',
        '--tls-cert',
        'notes.txt',
        '--tls-key',
        'notes.txt',
      ],
      { cwd: f.dir.path },
    );
    expect(oneLine(tls)).toEqual({
      code: 2,
      lines: [
        'queuey: --tls-cert notes.txt is not a PEM certificate: give a file that holds "-----BEGIN CERTIFICATE-----"',
      ],
    });
    const host = await run(
      'qdo',
      ['queuey', 'serve', '--port', '0', '--db', ':memory:', '--host', '999.1.1.1'],
      {
        cwd: f.dir.path,
      },
    );
    const { code, lines } = oneLine(host);
    expect(code).toBe(2);
    expect(lines).toEqual([expect.stringMatching(/^queuey: --host "999\.1\.1\.1" /)]);
  });

  it('qdo-worker names [qdo-worker] metrics_host and [dashboard] host', async () => {
    const url = f.server.url;
    writeFileSync(
      f.dir.file('metrics.conf'),
      exampleWorkerConfig(url, { worker: ['metrics_port = 0', 'metrics_host = 999.1.1.1'] }),
    );
    const metrics = oneLine(await run('qdo-worker', ['-c', 'metrics.conf'], { cwd: f.dir.path }));
    expect(metrics.code).toBe(2);
    expect(metrics.lines).toEqual([
      expect.stringMatching(/^qdo-worker: metrics: \[qdo-worker\] metrics_host "999\.1\.1\.1" /),
    ]);
    writeFileSync(
      f.dir.file('dash.conf'),
      exampleWorkerConfig(url, { sections: ['[dashboard]', 'port = 0', 'host = 999.1.1.1'] }),
    );
    const dashboard = oneLine(
      await run('qdo-worker', ['-c', 'dash.conf'], {
        cwd: f.dir.path,
        env: { QDO_DASHBOARD_TOKEN: 'a-token-of-16-chars-or-more' },
      }),
    );
    expect(dashboard.code).toBe(2);
    expect(dashboard.lines).toEqual([
      expect.stringMatching(/^qdo-worker: dashboard: \[dashboard\] host "999\.1\.1\.1" /),
    ]);
  });
});
