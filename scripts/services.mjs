#!/usr/bin/env node
// Makes sure the services the test suites start for themselves are
// installed: PostgreSQL (server binaries), ZooKeeper (with Java), and
// redis-server for the benchmark's BullMQ peer, and Chromium for the
// dashboard's browser tests (playwright-core drives /usr/bin/chromium). The
// suites start throwaway instances on loopback; this only installs the
// Debian packages when they are missing. Without root or apt-get it prints
// what to install and exits 1, so a missing service is never silently
// skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const pgBin = () =>
  existsSync('/usr/lib/postgresql') &&
  readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
const zk = () => existsSync('/usr/share/java/zookeeper.jar') && which('java');
const which = (cmd) =>
  spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

const missing = [];
if (!pgBin()) missing.push('postgresql');
if (!zk()) missing.push('zookeeper');
if (!which('redis-server')) missing.push('redis-server');
if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
if (missing.length === 0) {
  console.log('services: postgresql, zookeeper, redis-server and chromium are installed');
  process.exit(0);
}
const isRoot = process.getuid?.() === 0;
if (!isRoot || !which('apt-get')) {
  console.error(
    `services: missing ${missing.join(', ')}; install them (Debian: apt-get install -y ${missing.join(' ')}) and run again`,
  );
  process.exit(1);
}
console.log(`services: installing ${missing.join(', ')} with apt-get`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', ...missing],
]) {
  const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (r.status !== 0) {
    console.error(`services: apt-get ${args.join(' ')} failed (exit ${r.status})`);
    process.exit(1);
  }
}
console.log('services: installed');
