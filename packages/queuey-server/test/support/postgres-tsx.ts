/**
 * The tsx loader, for child processes that run TypeScript test helpers.
 * tsx is in the workspace (vite's peer) but not a dependency of this package,
 * so look for it from here first, then next to vitest's vite.
 */
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runNode } from '@qdo/test-utils';

export function tsxLoader(): string {
  const here = createRequire(import.meta.url);
  const candidates = [
    () => here.resolve('tsx'),
    () => createRequire(here.resolve('vite')).resolve('tsx'),
    () => createRequire(createRequire(here.resolve('vitest')).resolve('vite')).resolve('tsx'),
  ];
  for (const candidate of candidates) {
    try {
      // 'tsx' resolves to its loader, what `node --import tsx` registers.
      return pathToFileURL(candidate()).href;
    } catch {
      // try the next place
    }
  }
  throw new Error(
    'tsx is needed to start writer processes: add it to devDependencies (pnpm add -D tsx)',
  );
}

/** Runs a TypeScript writer script to its end; its stdout, or an error with its stderr. */
export async function runWriter(script: string, args: string[]): Promise<string> {
  const exit = await runNode(script, args, { node: ['--import', tsxLoader()] });
  if (exit.code !== 0) {
    throw new Error(`${basename(script)} exited with ${exit.code}: ${exit.stderr}`);
  }
  return exit.stdout;
}
