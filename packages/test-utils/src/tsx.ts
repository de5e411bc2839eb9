/**
 * The tsx loader for a child process that runs TypeScript test helpers
 * (`node --import <loader>`), resolved from the calling test's package:
 * `--import tsx` alone resolves from the child's working directory, which is
 * the repository root when vitest runs every project. A package that does
 * not list tsx gets the one beside vitest's vite (its optional peer).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** `from`: the caller's `import.meta.url`. */
export function tsxLoader(from: string | URL): string {
  const here = createRequire(from);
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
    `tsx is needed to start TypeScript child processes: add it to the devDependencies of the package of ${String(from)}`,
  );
}
