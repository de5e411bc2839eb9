import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeProcess, readLines, tsxLoader } from '@qdo/test-utils';
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

/** Runs worker-child.ts in a new Node process (through tsx, so from source), labelled by its name. */
export function spawnWorker(config: ChildConfig): NodeProcess {
  return new NodeProcess(join(here, 'worker-child.ts'), [], {
    label: config.name,
    node: ['--import', tsxLoader(import.meta.url)],
    cwd: packageDir,
    env: { QDO_TEST_WORKER: JSON.stringify(config) },
    // For the test-only wall-clock step (see worker-child.ts).
    ipc: true,
  });
}

export function readRecords(path: string): Record[] {
  return readLines(path).map((line) => JSON.parse(line) as Record);
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
