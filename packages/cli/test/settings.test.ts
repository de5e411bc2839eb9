import { defaultSettings, settingRules } from '@qdo/core';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';
import { tempDir } from './helpers.js';
import { run } from './spawn.js';

function load(text: string) {
  using dir = tempDir({ 'a.conf': text });
  return loadConfig(dir.file('a.conf'));
}

function problems(text: string): string[] {
  try {
    load(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n');
  }
  return [];
}

describe("[qdo-worker] settings come from core's settingRules", () => {
  it('gives each setting its default from core', () => {
    const worker = load('').worker as unknown as Record<string, unknown>;
    for (const rule of settingRules) {
      if (rule.key === 'name') continue;
      expect(worker[rule.key], rule.ini).toBe(defaultSettings[rule.key]);
    }
  });

  it('accepts each numeric setting at its bounds and rejects it beyond, at file:line [section] key', () => {
    for (const rule of settingRules) {
      if (rule.type === 'string') continue;
      for (const bound of [rule.min, rule.max]) {
        if (bound === undefined) continue;
        const worker = load(`[qdo-worker]\n${rule.ini} = ${bound}\n`).worker;
        expect(worker[rule.key as keyof typeof worker], rule.ini).toBe(bound);
      }
      if (rule.max !== undefined)
        expect(problems(`[qdo-worker]\n${rule.ini} = ${rule.max + 1}\n`), rule.ini).toEqual([
          expect.stringMatching(
            new RegExp(
              `a\\.conf:2: \\[qdo-worker\\] ${rule.ini}: must be between .* got ${rule.max + 1}$`,
            ),
          ),
        ]);
      if (rule.type === 'integer')
        expect(problems(`[qdo-worker]\n${rule.ini} = 1.5\n`)).toEqual([
          expect.stringMatching(/expected an integer, got "1\.5"$/),
        ]);
    }
  });

  it('catches commit_every = 2000000 in the config check: exit 2, one line, before any start', async () => {
    using dir = tempDir({
      'a.conf': '[qdo-worker]\njob = ./j.mjs:job\ncommit_every = 2000000\n',
      'j.mjs': 'export const job = () => {};\n',
    });
    const result = await run('qdo-worker', ['-c', 'a.conf'], { cwd: dir.path });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'qdo-worker: a.conf:3: [qdo-worker] commit_every: must be between 0 and 1000000, got 2000000\n',
    );
    expect(result.stdout).toBe('');
  });

  it('passes the new settings (shutdown_timeout, max_wait) through to the options', () => {
    const worker = load('[qdo-worker]\nshutdown_timeout = 5\nmax_wait = 2.5\n').worker;
    expect(worker).toMatchObject({ shutdownTimeout: 5, maxWait: 2.5 });
  });

  it('lists every setting with its default and doc in qdo-worker --help and qdo worker --help', async () => {
    const help = await run('qdo-worker', ['--help']);
    const viaQdo = await run('qdo', ['worker', '--help']);
    expect(help.code).toBe(0);
    expect(viaQdo.stdout).toBe(help.stdout);
    for (const rule of settingRules) {
      const line = help.stdout.split('\n').find((l) => l.trimStart().startsWith(`${rule.ini} `));
      expect(line, rule.ini).toContain(rule.doc);
      if (rule.default !== undefined) expect(line).toContain(`= ${rule.default}`);
    }
    expect(help.stdout).toMatch(/^ {2}log_format = pretty\s+pretty or json/m);
  });
});
