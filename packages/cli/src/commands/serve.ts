import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ExitError } from '../errors.js';

/**
 * `qdo queuey serve ...`: runs @qdo/queuey-server's own `queuey` bin with the
 * same arguments, so its flags, config and output stay its own.
 */
export async function queueyCommand(argv: string[]): Promise<number> {
  const bin = serverBin();
  const child = spawn(process.execPath, [bin, ...argv], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward).on('SIGTERM', forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 0 : 1)));
    });
  } finally {
    process.off('SIGINT', forward).off('SIGTERM', forward);
  }
}

function serverBin(): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve('@qdo/queuey-server/package.json');
  } catch (error) {
    throw new ExitError(
      2,
      'qdo queuey needs @qdo/queuey-server: install it (pnpm add @qdo/queuey-server)',
      { cause: error },
    );
  }
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
    bin?: string | Record<string, string>;
  };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.queuey;
  if (!bin) throw new ExitError(1, '@qdo/queuey-server has no queuey bin');
  return join(dirname(manifest), bin);
}
