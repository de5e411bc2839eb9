import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { QueueyClient } from '@qdo/queuey-client';
import { type RunningServer, startServer } from '@qdo/queuey-server';
import type { NodeProcess } from '@qdo/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { run, startBin } from './spawn.js';

const distIndex = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const KEY = '0123456789abcdef0123456789abcdef';

// As `npm init -y` writes it, in a folder outside the repo (the OS temp dir).
const npmInit = JSON.stringify({
  name: 'app',
  version: '1.0.0',
  main: 'index.js',
  type: 'commonjs',
});
const jobs = {
  // extensionless relative import, as CommonJS TypeScript code is written
  'jobs/job.ts':
    "import { shout } from './shout';\nexport function job(m: { body: string }): void {\n  console.log('job: ' + shout(m.body));\n}\n",
  'jobs/shout.ts': 'export const shout = (s: string): string => s.toUpperCase();\n',
  'jobs/syntax.ts': 'export const job = (m: string): void => {\n  const n: number = ;\n};\n',
  'jobs/missing-import.ts': "import { x } from './nowhere';\nexport const job = () => x;\n",
  'jobs/throws.ts':
    "const ready: boolean = false;\nif (!ready) throw new Error('not configured');\nexport const job = () => {};\n",
  'jobs/broken.mjs': 'export const job = ;\n',
};

const conf = (job: string, connection = 'http://127.0.0.1:9/v1/queuey/') =>
  `[qdo-worker]\njob = ${job}\nwait_interval = 0.1\nmax_wait = 0.2\n[queuey]\nconnection = ${connection}\napp_key = ${KEY}\n`;

let server: RunningServer | undefined;
const running: NodeProcess[] = [];
afterEach(async () => {
  for (const cli of running.splice(0)) await cli[Symbol.asyncDispose]();
  await server?.close();
  server = undefined;
});

describe('TypeScript hooks outside the repo', () => {
  for (const type of ['commonjs', 'module', undefined]) {
    it(`run from a folder whose package.json type is ${type ?? 'absent'}`, async () => {
      using dir = tempDir({
        ...jobs,
        ...(type
          ? { 'package.json': type === 'commonjs' ? npmInit : JSON.stringify({ type }) }
          : {}),
      });
      server = await startServer({ port: 0, db: ':memory:', applications: { queuey: [KEY] } });
      const queuey = new QueueyClient({ connection: [`${server.url}/v1/queuey/`], appKey: KEY });
      await queuey.createQueue({ queueName: 'ts' });
      await queuey.postMessages('ts', [{ body: 'hello' }]);
      writeFileSync(dir.file('qdo.conf'), conf('./jobs/job.ts:job', `${server.url}/v1/queuey/`));
      const worker = startBin('qdo-worker', ['-c', 'qdo.conf'], { cwd: dir.path });
      running.push(worker);
      await worker.waitForLine(/^job: HELLO$/);
      expect(worker.stderr).toBe('');
    });
  }

  it('reads default and named exports of a CommonJS-folder TypeScript file (outside vitest)', async () => {
    using dir = tempDir({
      'package.json': npmInit,
      'jobs/default.ts':
        "export default function (m: string): string {\n  return 'default:' + m;\n}\n",
      'jobs/both.ts':
        "export const a = (m: string) => 'a:' + m;\nexport default (m: string) => 'd:' + m;\n",
      'load.mjs': `import { loadHook } from ${JSON.stringify(distIndex)};
const out = [];
for (const spec of ['./jobs/default.ts', './jobs/both.ts:a', './jobs/both.ts']) out.push((await loadHook(spec, process.cwd()))('x'));
console.log(out.join(' '));`,
    });
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, ['load.mjs'], { cwd: dir.path, encoding: 'utf8' });
    expect(out).toBe('default:x a:x d:x\n');
  });

  it('shows file:line:column and the compiler message for each load error, exit 2', async () => {
    using dir = tempDir({ ...jobs, 'package.json': npmInit });
    const cases: [string, string][] = [
      ['./jobs/syntax.ts:job', `${dir.file('jobs/syntax.ts')}:2:21: Unexpected ";"`],
      [
        './jobs/missing-import.ts:job',
        `${dir.file('jobs/missing-import.ts')}:1:19: cannot find module './nowhere'`,
      ],
      ['./jobs/throws.ts:job', `${dir.file('jobs/throws.ts')}:2:19: Error: not configured`],
      [
        './jobs/broken.mjs:job',
        `${dir.file('jobs/broken.mjs')}:1:20: SyntaxError: Unexpected token ';'`,
      ],
      ['./jobs/job.ts:nope', `${dir.file('jobs/job.ts')} has no export "nope" (it exports: job)`],
      [
        './jobs/gone.ts:job',
        `no such file ${dir.file('jobs/gone.ts')} (paths are relative to the config file)`,
      ],
    ];
    for (const [spec, message] of cases) {
      writeFileSync(dir.file('qdo.conf'), conf(spec));
      const result = await run('qdo-worker', ['-c', 'qdo.conf'], { cwd: dir.path });
      expect({ code: result.code, stderr: result.stderr }, spec).toEqual({
        code: 2,
        // the config check resolves the path relative to the config file
        stderr: `qdo-worker: hook ${dir.path}${spec.slice(1)}: ${message}\n`,
      });
    }
  });
});
