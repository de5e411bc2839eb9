/** The real bins, run through @qdo/test-utils' NodeProcess as users run them. */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runNode, type SpawnOptions } from '@qdo/test-utils';

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

export const BINS = {
  queuey: join(packageDir('@qdo/queuey-server'), 'dist/bin.js'),
  'qdo-worker': join(packageDir('@qdo/cli'), 'dist/bin/qdo-worker.js'),
  qdo: join(packageDir('@qdo/cli'), 'dist/bin/qdo.js'),
} as const;

/** Runs a bin to its end. */
export function runBin(bin: keyof typeof BINS, args: string[], options: SpawnOptions = {}) {
  return runNode(BINS[bin], args, { label: bin, ...options });
}
