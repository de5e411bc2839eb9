/**
 * `[qdo-worker] heap`: how V8 sizes the worker process's heap. A sustained
 * drain grows V8's young generation to its default 2 x 16 MB semi-spaces and
 * the old one by up to 4x its live size after each full collection; `lean`
 * keeps the young generation at its starting size and grows the old one by
 * 30%: about 40 MB less at the peak of a drain of batches of 1,000, at a
 * throughput within this machine's noise (BENCHMARKS.md). Both are V8 flags
 * read whenever the heap grows, so they take effect when set at start-up,
 * before any drain. A heap flag of the user's own (NODE_OPTIONS, node's
 * command line) means they chose: then nothing is set.
 */
import { setFlagsFromString } from 'node:v8';
import type { HeapProfile } from '../config/options.js';

const LEAN: readonly string[] = ['--semi-space-growth-factor=1', '--heap-growing-percent=30'];
const OWN_HEAP_FLAG =
  /--(?:(?:max|min)[-_])?semi[-_]space[-_]|--heap[-_]growing[-_]percent|--optimize[-_]for[-_]size/;

/** The V8 flags `profile` sets, given the node options the process already has. */
export function heapFlags(
  profile: HeapProfile,
  own: { execArgv: readonly string[]; nodeOptions?: string | undefined },
): readonly string[] {
  if (profile !== 'lean') return [];
  const given = [...own.execArgv, own.nodeOptions ?? ''];
  return given.some((flags) => OWN_HEAP_FLAG.test(flags)) ? [] : LEAN;
}

/** Sets the profile's flags in this process. */
export function applyHeapProfile(profile: HeapProfile, env: NodeJS.ProcessEnv): void {
  const own = { execArgv: process.execArgv, nodeOptions: env.NODE_OPTIONS };
  for (const flag of heapFlags(profile, own)) setFlagsFromString(flag);
}
