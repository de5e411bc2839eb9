import { fileURLToPath } from 'node:url';
import { NodeProcess, runNode, type SpawnOptions } from '@qdo/test-utils';

// The built bins (test/build-bins.ts keeps dist/ fresh): what `pnpm start` and users run.
const bins = {
  'qdo-worker': fileURLToPath(new URL('../dist/bin/qdo-worker.js', import.meta.url)),
  qdo: fileURLToPath(new URL('../dist/bin/qdo.js', import.meta.url)),
};

type Bin = keyof typeof bins;

/** A bin as a child process (@qdo/test-utils' NodeProcess). */
export function startBin(bin: Bin, args: string[], options: SpawnOptions = {}): NodeProcess {
  return new NodeProcess(bins[bin], args, { label: bin, ...options });
}

/** Runs a command to its end. */
export function run(bin: Bin, args: string[], options: SpawnOptions = {}) {
  return runNode(bins[bin], args, { label: bin, ...options });
}

/** A stack trace line, as node prints them. */
export const STACK_LINE = /^\s+at .+\(?.*:\d+:\d+\)?$/m;
