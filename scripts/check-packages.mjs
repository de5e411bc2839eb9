#!/usr/bin/env node
// `pnpm check-packages` (also run by .ci/run and `pnpm release`): every public
// package as it will be published. Packs each with `pnpm pack` (prepack
// builds), checks the tarball's files and package.json, runs publint and
// @arethetypeswrong/cli on it, then installs the tarballs with npm into empty
// projects outside the repository and runs them (pack-check/client.mjs,
// pack-check/worker.mjs). Network: the npm registry only. Fails loudly: every
// problem is listed, and the exit code is 1.
//
// attw runs with --profile node16 and --ignore-rules cjs-resolves-to-esm:
// the packages need Node >= 20.19 (engines), so TypeScript's node10
// resolution, which ignores "exports" (and so subpaths such as
// @qdo/queuey-server/postgres), is out of scope; and CommonJS users get the
// ES modules through Node's require(esm), which the install step proves with
// a real require() from a .cjs file.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkClient } from './pack-check/client.mjs';
import { checkContents } from './pack-check/contents.mjs';
import { attempt, fail, inPool, problems, run, runAsync, section } from './pack-check/util.mjs';
import { checkWorker } from './pack-check/worker.mjs';
import { publicPackages, root } from './public-packages.mjs';

const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'qdo-check-packages-'));
if (work.startsWith(root)) throw new Error(`the temp folder ${work} is inside the repository`);
const bin = (name) => join(root, 'node_modules/.bin', name);
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const rootLicense = readFileSync(join(root, 'LICENSE'), 'utf8');
const packages = publicPackages();
console.log(`check-packages: ${packages.length} public packages, work folder ${work}`);

section('pack (prepack builds)');
const tarballs = {};
for (const pkg of packages) {
  await attempt(`pnpm pack ${pkg.name}`, () => {
    const out = run('pnpm', ['pack', '--json', '--pack-destination', join(work, 'tarballs')], {
      cwd: pkg.dir,
    });
    const { filename } = JSON.parse(out.slice(out.indexOf('{')));
    tarballs[pkg.name] = filename;
    return filename.slice(work.length + 1);
  });
}

section('contents and package.json');
for (const pkg of packages.filter((p) => tarballs[p.name])) {
  const unpacked = join(work, 'unpacked', pkg.rel);
  mkdirSync(unpacked, { recursive: true });
  run('tar', ['-xzf', tarballs[pkg.name], '-C', unpacked, '--strip-components=1']);
  await attempt(pkg.name, () => {
    const found = checkContents({ unpacked, rel: pkg.rel, rootManifest, rootLicense });
    if (found.length > 0) throw new Error(found.join('\n'));
  });
}

// publint and attw of all tarballs run side by side (attw loads TypeScript
// for each package); their results print in package order.
section('publint --strict, and @arethetypeswrong/cli --profile node16 (require(esm) allowed)');
const packed = packages.filter((p) => tarballs[p.name]);
const lints = packed.flatMap((pkg) => [
  {
    label: `publint ${pkg.name}`,
    command: bin('publint'),
    args: ['run', tarballs[pkg.name], '--strict'],
    detail: (out) =>
      out.includes('All good!') ? 'all good' : out.trim().split('\n').slice(1).join(' / '),
  },
  {
    label: `attw ${pkg.name}`,
    command: bin('attw'),
    args: [
      tarballs[pkg.name],
      '--profile',
      'node16',
      '--ignore-rules',
      'cjs-resolves-to-esm',
      '--no-color',
    ],
    detail: () => 'no problems',
  },
]);
const outcomes = await inPool(lints, availableParallelism() + 1, (lint) =>
  runAsync(lint.command, lint.args, { cwd: work, env: { ...process.env, FORCE_COLOR: '0' } }),
);
for (const [i, lint] of lints.entries()) {
  await attempt(lint.label, () => {
    const outcome = outcomes[i];
    if (outcome.error) throw outcome.error;
    return lint.detail(outcome.value);
  });
}

/** The tarballs of `names` and of the @qdo packages they depend on, for npm install. */
function tarballsWithDeps(names) {
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const wanted = new Set();
  const visit = (name) => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const dep of Object.keys(byName.get(name)?.manifest.dependencies ?? {})) {
      if (byName.has(dep)) visit(dep);
    }
  };
  for (const name of names) visit(name);
  return [...wanted].map((name) => tarballs[name]);
}

if (Object.keys(tarballs).length === packages.length) {
  const libraries = packages.map((pkg) => pkg.name);
  section('the client alone, installed with npm');
  await checkClient({ work, tarballsWithDeps, typescript: join(root, 'package.json') });
  section('qdo-worker from the tarballs, installed with npm');
  await checkWorker({ work, tarballsWithDeps, libraries, root });
} else {
  fail('some packages did not pack: the install checks were skipped');
}

const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
if (problems.length > 0) {
  console.log(`\ncheck-packages: FAILED, ${problems.length} problem(s) in ${elapsed()}:`);
  for (const problem of problems) console.log(`  - ${problem.split('\n')[0]}`);
  console.log(`(tarballs and projects kept in ${work})`);
  process.exit(1);
}
rmSync(work, { recursive: true, force: true });
console.log(`\ncheck-packages: all ${packages.length} packages OK in ${elapsed()}`);
