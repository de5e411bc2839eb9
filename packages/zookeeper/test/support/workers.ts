import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildConfig } from './worker-child.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..', '..');

export interface Record {
  p: string;
  id: string;
  w: string;
  start: number;
  end: number;
}

export interface ChildWorker {
  readonly name: string;
  readonly process: ChildProcess;
  /** What it printed on stderr, for failure messages. */
  output(): string;
  exited: Promise<number | null>;
}

/** Runs worker-child.ts in a new Node process (through tsx, so from source). */
export function spawnWorker(config: ChildConfig): ChildWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'worker-child.ts')], {
    cwd: packageDir,
    env: { ...process.env, QDO_TEST_WORKER: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? null : code));
  });
  return { name: config.name, process: child, output: () => output, exited };
}

export function readRecords(path: string): Record[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  // Only whole lines: a worker may be writing (or be killed writing) the last one.
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record);
}

/** Jobs of one partition that two workers ran at overlapping times. */
export function overlaps(records: readonly Record[]): string[] {
  const found: string[] = [];
  for (const [i, a] of records.entries()) {
    for (const b of records.slice(i + 1)) {
      if (a.p === b.p && a.w !== b.w && a.start < b.end && b.start < a.end) {
        found.push(
          `${a.p}: ${a.w} ran ${a.id} ${a.start}..${a.end}, ${b.w} ran ${b.id} ${b.start}..${b.end}`,
        );
      }
    }
  }
  return found;
}
