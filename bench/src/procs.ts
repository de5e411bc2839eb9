/** Child processes of the bench (server, workers) and their IPC. */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

export interface Child {
  process: ChildProcess;
  pid: number;
  send(message: ChildMessage): void;
  /** The next message of this type; rejects if the child exits first. */
  next<T extends ChildMessage>(type: string): Promise<T>;
  /** Resolves when the child has exited. */
  exited: Promise<number | null>;
  kill(): void;
}

/** When set (a directory), every child writes a CPU profile there (`node --cpu-prof`). */
export const profileDir = process.env.BENCH_CPU_PROF;

export function spawnChild(script: string, args: unknown): Child {
  return spawnNode(fileURLToPath(new URL(script, import.meta.url)), [JSON.stringify(args)]);
}

/**
 * Any Node script as a child with an IPC channel (e.g. a package's bin).
 * `quiet`: its stdout and stderr are read and dropped (the last lines are
 * kept for an error message) instead of shown.
 */
export function spawnNode(
  path: string,
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; quiet?: boolean } = {},
): Child & { output(): string } {
  const script = path;
  const execArgv: string[] = [];
  if (profileDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  const child = fork(path, argv, {
    execArgv,
    env: options.env ?? process.env,
    stdio: options.quiet
      ? ['ignore', 'pipe', 'pipe', 'ipc']
      : ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const waiting = new Map<string, { resolve(m: ChildMessage): void; reject(e: Error): void }[]>();
  const inbox: ChildMessage[] = [];
  child.on('message', (raw) => {
    const message = raw as ChildMessage;
    const queue = waiting.get(message.type);
    const waiter = queue?.shift();
    if (waiter) waiter.resolve(message);
    else inbox.push(message);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      for (const queue of waiting.values())
        for (const w of queue) w.reject(new Error(`${script} exited with code ${code}`));
      waiting.clear();
      resolve(code);
    });
  });
  return {
    process: child,
    pid: child.pid as number,
    send: (message) => child.send(message),
    next: <T extends ChildMessage>(type: string) => {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0] as T);
      if (child.exitCode !== null) return Promise.reject(new Error(`${script} has exited`));
      return new Promise<T>((resolve, reject) => {
        const queue = waiting.get(type) ?? [];
        queue.push({ resolve: resolve as (m: ChildMessage) => void, reject });
        waiting.set(type, queue);
      });
    },
    exited,
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
    output: () => tail,
  };
}

/** Reads this child's JSON argument. */
export function childArgs<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/** Sends a message to the parent; resolves once it is handed over (safe to exit then). */
export function reply(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

/** Calls `handler` for each IPC message of `type`. */
export function onMessage(type: string, handler: (m: ChildMessage) => void): void {
  process.on('message', (raw) => {
    const message = raw as ChildMessage;
    if (message.type === type) handler(message);
  });
}
