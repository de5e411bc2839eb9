#!/usr/bin/env node
// `pnpm install` that also works where better-sqlite3 cannot download its
// prebuilt binary and must compile from source: node-gyp then needs to find
// Node's headers, which it only does through npm_config_nodedir (pnpm does
// not pass an .npmrc entry for it to build scripts).
// `--services` first installs what the test suites need (scripts/services.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const env = { ...process.env };
if (!env.npm_config_nodedir) {
  // Node installed from a distribution package keeps its headers under
  // <prefix>/include/node; the official tarballs do as well.
  const prefix = dirname(dirname(process.execPath));
  for (const dir of [prefix, '/usr', '/usr/local']) {
    if (existsSync(join(dir, 'include', 'node', 'node.h'))) {
      env.npm_config_nodedir = dir;
      break;
    }
  }
}
let args = process.argv.slice(2);
if (args.includes('--services')) {
  // Also install the Debian services the test suites start (see services.mjs).
  args = args.filter((a) => a !== '--services');
  const services = spawnSync(
    process.execPath,
    [join(dirname(new URL(import.meta.url).pathname), 'services.mjs')],
    { stdio: 'inherit' },
  );
  if (services.status !== 0) process.exit(services.status ?? 1);
}
args = ['install', ...args];
const result = spawnSync('pnpm', args, {
  stdio: 'inherit',
  env,
  shell: process.platform === 'win32',
});
if (result.error) {
  console.error(
    `could not run pnpm: ${result.error.message}. Install it with: npm i -g pnpm@12.4.2`,
  );
  process.exit(1);
}
process.exit(result.status ?? 1);
