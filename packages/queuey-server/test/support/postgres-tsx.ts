/** Writer processes: TypeScript helpers run through tsx. */
import { basename } from 'node:path';
import { runNode, tsxLoader } from '@qdo/test-utils';

/** Runs a TypeScript writer script to its end; its stdout, or an error with its stderr. */
export async function runWriter(script: string, args: string[]): Promise<string> {
  const exit = await runNode(script, args, { node: ['--import', tsxLoader(import.meta.url)] });
  if (exit.code !== 0) {
    throw new Error(`${basename(script)} exited with ${exit.code}: ${exit.stderr}`);
  }
  return exit.stdout;
}
