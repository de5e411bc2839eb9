/**
 * A Node script as a child process (a built bin such as qdo-worker, or a .ts
 * file with `node: ['--import', 'tsx']`), with everything it prints kept so a
 * test can wait for a line, assert on the output and stop it with a signal.
 * Every process is tracked until a test's afterEach calls reapProcesses(),
 * which kills what the test left running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { basename } from 'node:path';
import { completeLines } from './read-lines.js';
import { waitFor } from './wait-for.js';

export interface SpawnOptions {
  /** Its name in failure messages; default the script's file name. */
  label?: string;
  /** Added to process.env, after NO_COLOR=1 and an empty QDO_APP_KEY. */
  env?: Record<string, string>;
  cwd?: string;
  /** Node flags before the script, e.g. `--import tsx` or `--expose-gc`. */
  node?: string[];
  /** Opens an IPC channel (`child.send`, `child.on('message')`). */
  ipc?: boolean;
  /** Written to its stdin, which is then closed; default none (stdin is /dev/null). */
  input?: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Stopped extends Exit {
  stdout: string;
  stderr: string;
  output: string;
}

export interface OutputWaitOptions {
  /** Milliseconds before it fails, showing the output; default 20 s. */
  timeout?: number;
  /** Which output is searched; default stdout, where qdo's logs go. */
  stream?: 'stdout' | 'stderr' | 'output';
}

/** Running processes, and the output of those that ended since the last reap. */
const running = new Set<NodeProcess>();
const ended: NodeProcess[] = [];

export class NodeProcess {
  readonly child: ChildProcess;
  readonly label: string;
  stdout = '';
  stderr = '';
  /** Resolves once it exited and its pipes closed (all it printed is read). */
  readonly exited: Promise<Exit>;

  constructor(script: string, args: readonly string[] = [], options: SpawnOptions = {}) {
    this.label = options.label ?? basename(script);
    this.child = spawn(process.execPath, [...(options.node ?? []), script, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', QDO_APP_KEY: '', ...options.env },
      stdio: [
        options.input === undefined ? 'ignore' : 'pipe',
        'pipe',
        'pipe',
        ...(options.ipc ? (['ipc'] as const) : []),
      ],
    });
    this.child.stdin?.end(options.input);
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
    });
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code, signal) => {
        running.delete(this);
        ended.push(this);
        resolve({ code, signal });
      }),
    );
    running.add(this);
  }

  /** stdout then stderr. */
  get output(): string {
    return `${this.stdout}${this.stderr}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The complete lines of a stream so far: a line still being written is left out. */
  lines(stream: OutputWaitOptions['stream'] = 'stdout'): string[] {
    return completeLines(this.text(stream));
  }

  /** Resolves with the match once the output matches; fails showing the output. */
  waitForOutput(pattern: RegExp, options: OutputWaitOptions = {}): Promise<RegExpMatchArray> {
    return this.poll(pattern, options, () => this.text(options.stream).match(pattern));
  }

  /** Resolves with the match of the first whole line that matches `pattern`. */
  waitForLine(pattern: RegExp, options: OutputWaitOptions = {}): Promise<RegExpMatchArray> {
    return this.poll(pattern, options, () => {
      for (const line of this.lines(options.stream)) {
        const match = line.match(pattern);
        if (match) return match;
      }
      return null;
    });
  }

  /** Sends `signal` if it still runs and resolves with how it ended and all it printed. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Stopped> {
    if (this.running) this.child.kill(signal);
    const exit = await this.exited;
    return { ...exit, stdout: this.stdout, stderr: this.stderr, output: this.output };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop('SIGKILL');
  }

  private text(stream: OutputWaitOptions['stream'] = 'stdout'): string {
    return stream === 'output' ? this.output : this[stream];
  }

  private poll(
    pattern: RegExp,
    { timeout = 20_000 }: OutputWaitOptions,
    find: () => RegExpMatchArray | null,
  ): Promise<RegExpMatchArray> {
    const missing = () =>
      `${this.label}: no ${pattern} (exit ${this.child.exitCode}):\n${this.stdout}\nstderr:\n${this.stderr}`;
    // waitFor resolves only with a truthy value: a match.
    return waitFor<RegExpMatchArray | null>(
      async () => {
        const ended = !this.running;
        // Once it exited, what it printed last is read when its pipes close.
        if (ended) await this.exited;
        const match = find();
        // An ended process prints nothing more: fail now rather than at the timeout.
        if (!match && ended) throw new Error(missing());
        return match;
      },
      { timeout, interval: 20, what: missing },
    ) as Promise<RegExpMatchArray>;
  }
}

/** Runs a script to its end and resolves with how it ended and all it printed. */
export async function runNode(
  script: string,
  args: readonly string[] = [],
  options: SpawnOptions = {},
): Promise<Stopped> {
  const proc = new NodeProcess(script, args, options);
  await proc.exited;
  return proc.stop();
}

/**
 * For afterEach: kills (SIGKILL) what the test left running and hands back
 * their labels, with what every process printed since the last call.
 */
export async function reapProcesses(): Promise<{
  left: string[];
  outputs: { label: string; output: string }[];
}> {
  const left = [...running];
  await Promise.all(left.map((p) => p.stop('SIGKILL')));
  const outputs = ended.splice(0).map((p) => ({ label: p.label, output: p.output }));
  return { left: left.map((p) => p.label), outputs };
}
