/**
 * The real bins as child processes, with everything they print kept so a
 * test can assert on it (and check that no app key ever appears in it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

export const BINS = {
  queuey: join(packageDir('@qdo/queuey-server'), 'dist/bin.js'),
  'qdo-worker': join(packageDir('@qdo/cli'), 'dist/bin/qdo-worker.js'),
  qdo: join(packageDir('@qdo/cli'), 'dist/bin/qdo.js'),
} as const;

/** Every process a test started, so afterEach can kill leftovers and scan output. */
const started = new Set<Proc>();

export interface ProcOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Extra node flags, e.g. --expose-gc. */
  node?: string[];
  ipc?: boolean;
}

export class Proc {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly label: string,
    script: string,
    args: readonly string[],
    options: ProcOptions = {},
  ) {
    this.child = spawn(process.execPath, [...(options.node ?? []), script, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', QDO_APP_KEY: '', ...options.env },
      stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        started.delete(this);
        finished.push(this);
        resolve({ code, signal });
      }),
    );
    started.add(this);
  }

  get output(): string {
    return `${this.stdout}${this.stderr}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the match once the output matches; fails showing the output. */
  async waitFor(pattern: RegExp, ms = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (!this.running || Date.now() > deadline) {
        throw new Error(
          `${this.label}: no ${pattern} (exit ${this.child.exitCode}):\n${this.output}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL') {
    if (this.running) this.child.kill(signal);
    return await this.exited;
  }
}

/** Processes that ended, with their output, for the key scan. */
const finished: Proc[] = [];

/** Kills what a test left running; returns their labels (a test that leaves one fails). */
export async function killLeftovers(): Promise<string[]> {
  const left = [...started];
  await Promise.all(left.map((p) => p.kill()));
  return left.map((p) => p.label);
}

/** Everything every process printed since the last call. */
export function drainOutputs(): { label: string; output: string }[] {
  const all = [...finished.splice(0), ...started].map((p) => ({
    label: p.label,
    output: p.output,
  }));
  return all;
}

/** Runs a bin to its end. */
export async function runBin(bin: keyof typeof BINS, args: string[], options: ProcOptions = {}) {
  const proc = new Proc(bin, BINS[bin], args, options);
  const { code } = await proc.exited;
  await new Promise((r) => setImmediate(r));
  return { code, stdout: proc.stdout, stderr: proc.stderr };
}
