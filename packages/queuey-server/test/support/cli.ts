/** Runs the built `queuey` bin (dist/bin.js) as a user would, in a fresh temp dir per test. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@qdo/test-utils';
import { afterEach, beforeAll, beforeEach } from 'vitest';

export const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'dist', 'bin.js');

export interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Registers build, temp-dir and cleanup hooks; returns the dir getter and `run`. */
export function useCli() {
  let dir = '';
  const children: ChildProcess[] = [];
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
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  });
  const run = (args: string[], env: Record<string, string> = {}): Run => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, QUEUEY_APP_KEYS: '', QDO_LOG_FORMAT: '', QDO_LOG_LEVEL: '', ...env },
    });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      err += chunk;
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (code) => resolve(code)),
    );
    return { child, stdout: () => out, stderr: () => err, exited };
  };
  return { dir: () => dir, run };
}

/** The URL of the "listening on" line, once printed. */
export async function listening(run: Run): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const match = /listening on (https?:\/\/\S+)\n/.exec(run.stdout());
    if (match?.[1]) return match[1];
    if (Date.now() > deadline || run.child.exitCode !== null) {
      throw new Error(`no listening line; stdout=${run.stdout()} stderr=${run.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until `check` holds for the process's output. */
export async function until(check: () => boolean, what: string): Promise<void> {
  await waitFor(check, { what, timeout: 15_000 });
}

export { makeCertificate } from '@qdo/test-utils';
