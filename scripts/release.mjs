#!/usr/bin/env node
// `pnpm release [--dry-run]`: build everything, check every public package as
// it will be published (scripts/check-packages.mjs), then publish only the
// versions that are not on the registry yet.
//
// The real run is `changeset publish` (it also tags what it published).
// --dry-run makes the same choice (`npm view name@version`), then runs
// `pnpm publish --dry-run` for those packages only, against a registry
// address where nothing listens: `changeset publish` has no dry-run flag, and
// pnpm 12 ignores npm_config_dry_run in the environment, so nothing here
// could upload a package by mistake.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { publicPackages, root } from './public-packages.mjs';

const NOWHERE = 'http://127.0.0.1:9/';
const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--dry-run');
if (unknown.length > 0) {
  console.error(`release: unknown argument ${unknown[0]} (usage: pnpm release [--dry-run])`);
  process.exit(2);
}
const dryRun = args.includes('--dry-run');

function step(title, command, commandArgs, cwd = root) {
  console.log(`\n== release: ${title}`);
  const result = spawnSync(command, commandArgs, { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`release: FAILED at "${title}" (${command} ${commandArgs.join(' ')})`);
    process.exit(result.status ?? 1);
  }
}

/** True when the registry has this exact version; false on a 404. */
function isPublished({ name, version }) {
  const result = spawnSync('npm', ['view', `${name}@${version}`, 'version', '--json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.status === 0) return result.stdout.trim() !== '';
  if (/E404|404 Not Found/.test(result.stderr)) return false;
  console.error(`release: FAILED asking the registry about ${name}@${version}:\n${result.stderr}`);
  process.exit(1);
}

step('build', 'pnpm', ['run', 'build']);
step('check packages', process.execPath, [join(root, 'scripts', 'check-packages.mjs')]);
if (!dryRun) {
  step('publish', 'pnpm', ['exec', 'changeset', 'publish']);
  console.log('\nrelease: done');
  process.exit(0);
}

console.log('\n== release: what would be published (dry run)');
const pending = [];
for (const pkg of publicPackages()) {
  const published = isPublished(pkg);
  console.log(`  ${pkg.name}@${pkg.version}: ${published ? 'on the registry, skipped' : 'NEW'}`);
  if (!published) pending.push(pkg);
}
for (const pkg of pending) {
  step(
    `pnpm publish --dry-run ${pkg.name}@${pkg.version}`,
    'pnpm',
    ['publish', '--dry-run', '--no-git-checks', '--access', 'public', '--registry', NOWHERE],
    pkg.dir,
  );
}
console.log(`\nrelease: dry run done, ${pending.length} package(s) would be published`);
