// qdo-worker from the tarballs of cli + core + failure + queuey-client +
// queuey-server (the embedded default), installed with npm into an empty
// project: the clear error for PostgreSQL without pg, and a real run: start
// the worker on its embedded server, post one message with the client, see
// the job print it, stop it with SIGTERM and expect exit code 0. Then every
// other public package too (zookeeper...), and require() and import of each.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { attempt, run } from './util.mjs';

// What a worker on the embedded server needs (their @qdo dependencies come along).
const WORKER = [
  '@qdo/cli',
  '@qdo/core',
  '@qdo/failure',
  '@qdo/queuey-client',
  '@qdo/queuey-server',
];
const BODY = 'hello from check-packages';
const npmInstall = ['install', '--no-audit', '--no-fund', '--ignore-scripts'];

export async function checkWorker({ work, tarballsWithDeps, libraries, root }) {
  const project = join(work, 'worker');
  mkdirSync(project, { recursive: true });
  // better-sqlite3 downloads its binary from GitHub or compiles it (minutes):
  // the check reaches no host but the npm registry, so it installs the
  // workspace's exact version without scripts and reuses its compiled binary.
  const sqliteDir = realpathSync(join(root, 'packages/queuey-server/node_modules/better-sqlite3'));
  const sqliteVersion = JSON.parse(readFileSync(join(sqliteDir, 'package.json'), 'utf8')).version;
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'worker-check', private: true, overrides: { 'better-sqlite3': sqliteVersion } }, null, 2)}\n`,
  );

  let installed = false;
  await attempt('worker: npm install of cli, core, failure, queuey-client, queuey-server', () => {
    run('npm', [...npmInstall, ...tarballsWithDeps(WORKER)], {
      cwd: project,
      timeout: 150_000,
    });
    const binary = 'build/Release/better_sqlite3.node';
    mkdirSync(join(project, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
    copyFileSync(join(sqliteDir, binary), join(project, 'node_modules/better-sqlite3', binary));
    for (const optional of ['pg', '@qdo/zookeeper']) {
      if (existsSync(join(project, 'node_modules', optional)))
        throw new Error(`${optional} was installed: it is an optional peer`);
    }
    installed = true;
    return `better-sqlite3 ${sqliteVersion} (workspace binary), no pg, no zookeeper`;
  });
  if (!installed) return;

  writeFileSync(
    join(project, 'no-pg.mjs'),
    `import { startServer } from '@qdo/queuey-server';
const error = await startServer({ db: 'postgres://nobody@127.0.0.1:1/none', port: 0 }).then(
  (server) => server.close().then(() => new Error('started without pg')),
  (e) => e,
);
console.log(JSON.stringify({ code: error.code, message: error.message }));
`,
  );
  await attempt('worker: a postgres:// storage without pg says how to install it', () => {
    const out = JSON.parse(run(process.execPath, ['no-pg.mjs'], { cwd: project }));
    if (out.code !== 'QUEUEY_SERVER_PG_MISSING' || !out.message.includes('npm install pg')) {
      throw new Error(`got ${JSON.stringify(out)}`);
    }
    return out.message;
  });

  await attempt('worker: qdo-worker runs a job on the embedded server and stops on SIGTERM', () =>
    runWorker(project),
  );

  await attempt('worker: npm install of every other public package as well', () => {
    run('npm', [...npmInstall, ...tarballsWithDeps(libraries)], { cwd: project, timeout: 150_000 });
  });
  const names = JSON.stringify(libraries);
  writeFileSync(
    join(project, 'require-all.cjs'),
    `for (const name of ${names}) {\n  const m = require(name);\n  if (Object.keys(m).length === 0) throw new Error(name + ' exports nothing');\n}\nconsole.log('ok');\n`,
  );
  writeFileSync(
    join(project, 'import-all.mjs'),
    `for (const name of ${names}) {\n  const m = await import(name);\n  if (Object.keys(m).length === 0) throw new Error(name + ' exports nothing');\n}\nconsole.log('ok');\n`,
  );
  await attempt('worker: require() of every library package from a .cjs file', () => {
    run(process.execPath, ['require-all.cjs'], { cwd: project });
    return `${libraries.length} packages`;
  });
  await attempt('worker: import of every library package from a .mjs file', () => {
    run(process.execPath, ['import-all.mjs'], { cwd: project });
    return `${libraries.length} packages`;
  });
}

async function runWorker(project) {
  const appKey = randomBytes(16).toString('hex');
  writeFileSync(
    join(project, 'job.mjs'),
    "export function job(message) {\n  console.log('job got: ' + message.body);\n}\n",
  );
  writeFileSync(
    join(project, 'qdo-worker.conf'),
    [
      '[qdo-worker]',
      'job = ./job.mjs:job',
      'wait_interval = 1',
      'discovery_interval = 1',
      '',
      '[partitions]',
      'policy = all',
      '',
      '[queuey]',
      'connection = embedded:./var/queuey.db',
      'embedded_port = 0',
      `app_key = ${appKey}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(project, 'post.mjs'),
    `import { QueueyClient } from '@qdo/queuey-client';
const [connection, appKey, body] = process.argv.slice(2);
const client = new QueueyClient({ connection, appKey });
await client.createQueue({ queueName: 'packcheck', partitions: 1 });
await client.postMessage('packcheck', body);
`,
  );

  const started = Date.now();
  const bin = join(project, 'node_modules/.bin/qdo-worker');
  const child = spawn(bin, ['-c', 'qdo-worker.conf'], {
    cwd: project,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters = new Set();
  const onData = (chunk) => {
    output += chunk;
    for (const waiter of waiters) waiter();
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );

  const until = (what, test, ms) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no ${what} within ${ms / 1000} s`)), ms);
      const check = () => {
        const found = test(output);
        if (found) done(null, found);
      };
      const done = (error, value) => {
        clearTimeout(timer);
        waiters.delete(check);
        error ? reject(error) : resolve(value);
      };
      waiters.add(check);
      exited.then(({ code, signal }) =>
        done(new Error(`qdo-worker exited (${code ?? signal}) before ${what}`)),
      );
      check();
    });

  try {
    const url = await until(
      'embedded server URL',
      (text) => text.match(/http:\/\/127\.0\.0\.1:\d+\/v1\/queuey\//)?.[0],
      30_000,
    );
    run(process.execPath, ['post.mjs', url, appKey, BODY], { cwd: project, timeout: 30_000 });
    await until(`"job got: ${BODY}"`, (text) => text.includes(`job got: ${BODY}`), 30_000);
    child.kill('SIGTERM');
    let timer;
    const { code, signal } = await Promise.race([
      exited,
      new Promise((resolve) => {
        timer = setTimeout(() => resolve({ code: 'still running 30 s after SIGTERM' }), 30_000);
      }),
    ]).finally(() => clearTimeout(timer));
    if (code !== 0) throw new Error(`exit ${code ?? signal} after SIGTERM`);
    return `job printed the message, exit 0 after SIGTERM, ${((Date.now() - started) / 1000).toFixed(1)} s`;
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${error.message}\n--- qdo-worker output ---\n${output.trim()}`);
  }
}
