import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The built bins (test/build-bins.ts keeps dist/ fresh): what `pnpm start` and users run.
const bins = {
  'qdo-worker': fileURLToPath(new URL('../dist/bin/qdo-worker.js', import.meta.url)),
  qdo: fileURLToPath(new URL('../dist/bin/qdo.js', import.meta.url)),
};

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
}

/** A bin as a child process. */
export class Cli {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(bin: keyof typeof bins, args: string[], options: CliOptions = {}) {
    this.child = spawn(process.execPath, [bins[bin], ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', QDO_APP_KEY: '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
    });
    this.child.stdin?.end(options.input ?? '');
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the match once stdout matches, or fails after `ms` showing the output. */
  async waitFor(pattern: RegExp, ms = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const match = this.stdout.match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `no ${pattern} in stdout (exit ${this.child.exitCode}):\n${this.stdout}\nstderr:\n${this.stderr}`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Kills the child if it still runs; for afterEach. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** Runs a command to its end. */
export async function run(bin: keyof typeof bins, args: string[], options: CliOptions = {}) {
  const cli = new Cli(bin, args, options);
  const code = await cli.exited;
  // let the pipes drain
  await new Promise((r) => setImmediate(r));
  return { code, stdout: cli.stdout, stderr: cli.stderr };
}

/** A stack trace line, as node prints them. */
export const STACK_LINE = /^\s+at .+\(?.*:\d+:\d+\)?$/m;
