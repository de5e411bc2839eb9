#!/usr/bin/env node
// `pnpm queuey ...` / `pnpm qdo ...`: builds what the command needs (quietly;
// turbo's cache makes this instant after the first time), then runs it with
// the remaining arguments, passing signals and the exit code through.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bins = {
  queuey: ['@qdo/queuey-server', 'packages/queuey-server/dist/bin.js'],
  qdo: ['@qdo/cli', 'packages/cli/dist/bin/qdo.js'],
  'qdo-worker': ['@qdo/cli', 'packages/cli/dist/bin/qdo-worker.js'],
};
const [name, ...args] = process.argv.slice(2);
const target = bins[name];
if (!target) {
  console.error(`run-bin: unknown command ${name}; one of ${Object.keys(bins).join(', ')}`);
  process.exit(2);
}
const build = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'build', `--filter=${target[0]}...`, '--output-logs=errors-only'],
  { cwd: root, encoding: 'utf8' },
);
if (build.status !== 0) {
  process.stderr.write(build.stdout + build.stderr);
  console.error(`run-bin: building ${target[0]} failed`);
  process.exit(1);
}
const child = spawn(process.execPath, [join(root, target[1]), ...args], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 143)));
