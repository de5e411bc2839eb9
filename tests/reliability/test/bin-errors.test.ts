// Malformed config files, hook specs and arguments for the three bins:
// exit code 2, one clear line, no stack trace, never an app key.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isCliError, loadHook } from '@qdo/cli';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { SEED, scale } from './support/env.js';
import { tempDir } from './support/fixture.js';
import { type BINS, runBin } from './support/proc.js';
import { newKey } from './support/secrets.js';

const tmp = tempDir('bins');
afterAll(() => tmp.remove());
const KEY = newKey();
const STACK = /^\s+at .+:\d+:\d+\)?$/m;

function file(name: string, text: string): string {
  const path = join(tmp.dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

file('jobs/ok.mjs', 'export const job = () => {};\nexport const notAFunction = 3;\n');
file('jobs/broken.mjs', 'export const job = () => {;\n');
file('jobs/throws.mjs', 'throw new Error("boom at import");\n');
const worker = (lines: string[]) =>
  [
    '[qdo-worker]',
    ...(lines.some((l) => l.startsWith('job =')) ? [] : ['job = ./jobs/ok.mjs:job']),
    ...lines,
    '[queuey]',
    'connection = http://127.0.0.1:1/v1/queuey/',
    `app_key = ${KEY}`,
    '',
  ].join('\n');

// `usage`: the bin answers with its usage text (a command is missing), not one line.
type Case = [name: string, bin: keyof typeof BINS, args: () => string[], usage?: 'usage'];
const conf = (name: string, lines: string[]) => () => ['-c', file(`${name}.conf`, worker(lines))];
const raw = (name: string, text: string) => () => ['-c', file(`${name}.conf`, text)];
const ini = (name: string, text: string) => () => [
  'serve',
  '-c',
  file(`${name}.ini`, text),
  '--port',
  '0',
];

const cases: Case[] = [
  ['queuey without a command', 'queuey', () => []],
  ['queuey unknown command', 'queuey', () => ['frobnicate']],
  ['queuey unknown flag', 'queuey', () => ['serve', '--bogus']],
  ['queuey port not a number', 'queuey', () => ['serve', '--port', 'abc']],
  ['queuey port out of range', 'queuey', () => ['serve', '--port', '70000']],
  ['queuey app key without a name', 'queuey', () => ['serve', '--app-key', KEY]],
  ['queuey extra argument', 'queuey', () => ['serve', 'extra']],
  ['queuey missing config file', 'queuey', () => ['serve', '-c', join(tmp.dir, 'nope.ini')]],
  ['queuey unknown backend', 'queuey', ini('backend', '[storage]\nbackend = mongo\n')],
  ['queuey bad port in file', 'queuey', ini('port', '[server]\nport = x\n')],
  [
    'queuey unknown section',
    'queuey',
    ini('section', `[application_keys]\nqueuey = ${KEY}\n[frob]\na = 1\n`),
  ],
  [
    'queuey line without =',
    'queuey',
    ini('noeq', `[application_keys]\nqueuey = ${KEY}\njust words\n`),
  ],
  [
    'queuey missing env var',
    'queuey',
    ini('env', `[application_keys]\nqueuey = ${'$'}{QDO_REL_MISSING}\n`),
  ],
  ['queuey empty key', 'queuey', ini('empty', '[application_keys]\nqueuey =\n')],
  ['queuey unclosed section', 'queuey', ini('unclosed', '[server\nport = 1\n')],
  ['worker missing config file', 'qdo-worker', () => ['-c', join(tmp.dir, 'nope.conf')]],
  ['worker unknown flag', 'qdo-worker', () => ['--bogus']],
  ['worker batch_size not a number', 'qdo-worker', conf('batch', ['batch_size = many'])],
  ['worker batch_size out of range', 'qdo-worker', conf('batch0', ['batch_size = 0'])],
  ['worker long_poll out of range', 'qdo-worker', conf('poll', ['long_poll = 99'])],
  // Unknown keys and sections are warnings (original qdo files load); --strict makes them errors.
  ['worker unknown key, --strict', 'qdo-worker', strict(conf('key', ['colour = red']))],
  ['worker unknown section, --strict', 'qdo-worker', strict(conf('section', ['[frob]', 'a = 1']))],
  ['worker bad policy', 'qdo-worker', conf('policy', ['[partitions]', 'policy = sideways'])],
  ['worker missing env var', 'qdo-worker', conf('env', [`name = ${'$'}{QDO_REL_MISSING}`])],
  [
    'worker missing extends',
    'qdo-worker',
    raw('ext', `[DEFAULT]\nextends = nope.ini\n${worker([])}`),
  ],
  [
    'worker extends cycle',
    'qdo-worker',
    raw('cycle', `[DEFAULT]\nextends = cycle.conf\n${worker([])}`),
  ],
  [
    'worker unclosed section',
    'qdo-worker',
    raw('unclosed', '[qdo-worker\njob = ./jobs/ok.mjs:job\n'),
  ],
  ['hook file missing', 'qdo-worker', conf('h1', ['job = ./jobs/none.mjs:job'])],
  ['hook export missing', 'qdo-worker', conf('h2', ['job = ./jobs/ok.mjs:nothere'])],
  ['hook not a function', 'qdo-worker', conf('h3', ['job = ./jobs/ok.mjs:notAFunction'])],
  ['hook with a syntax error', 'qdo-worker', conf('h4', ['job = ./jobs/broken.mjs:job'])],
  ['hook throwing at import', 'qdo-worker', conf('h5', ['job = ./jobs/throws.mjs:job'])],
  ['hook package missing', 'qdo-worker', conf('h6', ['job = @nowhere/nothing:job'])],
  ['hook spec empty export', 'qdo-worker', conf('h7', ['job = ./jobs/ok.mjs:'])],
  ['hook spec odd url', 'qdo-worker', conf('h8', ['job = file://host:99999/x.mjs:job'])],
  ['job_failure hook missing', 'qdo-worker', conf('h9', ['job_failure = ./jobs/none.mjs:fail'])],
  ['qdo without a command', 'qdo', () => [], 'usage'],
  ['qdo unknown command', 'qdo', () => ['frobnicate']],
  [
    'qdo queues create without a name',
    'qdo',
    () => ['queues', 'create', '--connection', 'http://127.0.0.1:1/v1/q/'],
  ],
  [
    'qdo bad partitions',
    'qdo',
    () => [
      'queues',
      'create',
      'x',
      '--partitions',
      'many',
      '--connection',
      'http://127.0.0.1:1/v1/q/',
    ],
  ],
  ['qdo post without a queue', 'qdo', () => ['post', '--connection', 'http://127.0.0.1:1/v1/q/']],
  [
    'qdo bad connection URL',
    'qdo',
    () => ['status', '--connection', 'not a url', '--app-key', KEY],
  ],
  [
    'qdo purge without --yes',
    'qdo',
    () => ['errors', 'purge', '--connection', 'http://127.0.0.1:1/v1/q/'],
  ],
];

function strict(args: () => string[]): () => string[] {
  return () => [...args(), '--strict'];
}

describe('bins given bad input', () => {
  test.each(cases)('%s: exit 2, one line, no stack, no key', async (_name, bin, args, usage) => {
    const result = await runBin(bin, args(), { cwd: tmp.dir });
    const output = `${result.stdout}${result.stderr}`;
    expect(result.code, output).toBe(2);
    if (usage) expect(output).toMatch(/^Usage: /);
    else expect(output.trimEnd().split('\n'), output).toHaveLength(1);
    expect(output).not.toMatch(STACK);
    expect(output).not.toContain(KEY);
    expect(output.length).toBeGreaterThan(10);
  });
});

test('any hook spec either loads a function or fails with a CLI error of exit code 2', async () => {
  const spec = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc
      .tuple(
        fc.constantFrom(
          './jobs/ok.mjs',
          './jobs/',
          'file:',
          'node:fs',
          '@qdo/core',
          '.',
          '/',
          'C:',
        ),
        fc.string({ maxLength: 12 }),
      )
      .map(([m, e]) => `${m}:${e}`),
  );
  await fc.assert(
    fc.asyncProperty(spec, async (s) => {
      try {
        const hook = await loadHook(s, tmp.dir);
        expect(typeof hook).toBe('function');
      } catch (error) {
        expect(isCliError(error), `${JSON.stringify(s)} threw ${String(error)}`).toBe(true);
        expect((error as { exitCode: number }).exitCode).toBe(2);
      }
    }),
    { seed: SEED, numRuns: scale(300, 3_000) },
  );
});
