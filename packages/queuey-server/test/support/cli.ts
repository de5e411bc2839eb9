/** Runs the built `queuey` bin (dist/bin.js) as a user would, in a fresh temp dir per test. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeProcess, waitFor } from '@qdo/test-utils';
import { afterEach, beforeAll, beforeEach } from 'vitest';

export const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'dist', 'bin.js');

/** Registers build, temp-dir and cleanup hooks; returns the dir getter and `run`. */
export function useCli() {
  let dir = '';
  const children: NodeProcess[] = [];
  beforeAll(() => {
    // The CLI is tested as shipped: the built dist/bin.js.
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'inherit',
    });
  }, 120_000);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'queuey-cli-'));
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.stop('SIGKILL')));
    await rm(dir, { recursive: true, force: true });
  });
  const run = (args: string[], env: Record<string, string> = {}): NodeProcess => {
    const child = new NodeProcess(bin, args, {
      label: 'queuey',
      cwd: dir,
      env: { QUEUEY_APP_KEYS: '', QDO_LOG_FORMAT: '', QDO_LOG_LEVEL: '', ...env },
    });
    children.push(child);
    return child;
  };
  return { dir: () => dir, run };
}

/** The URL of the "listening on" line, once printed. */
export async function listening(run: NodeProcess): Promise<string> {
  const [, url] = await run.waitForLine(/^listening on (https?:\/\/\S+)$/, { timeout: 15_000 });
  return url as string;
}

/** Waits until `check` holds for the process's output. */
export async function until(check: () => boolean, what: string): Promise<void> {
  await waitFor(check, { what, timeout: 15_000 });
}

export { makeCertificate } from '@qdo/test-utils';
