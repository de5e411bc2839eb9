import { endOnBrokenPipe } from '@qdo/common';
import { explainQueueyError } from './cli/http-errors.js';
import { printLine } from './cli/terminal.js';
import { ExitError, isCliError } from './errors.js';

/** Where a bin writes; tests pass their own. */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** The command's name as its messages start (`qdo`, `qdo-worker`). */
  prog?: string;
}

export const processIo = (): Io => ({
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});

/** Runtime failures that are the environment's fault, not ours: no stack needed. */
function isExpected(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name;
  return typeof name === 'string' && /^(Queuey|Qdo)\w*Error$/.test(name);
}

/** A command's ExitError that quotes a Queuey error (`worker stopped: GET ... answered 403`): the same, explained. */
function explainCause(error: unknown): ExitError | undefined {
  if (!isCliError(error) || !(error.cause instanceof Error)) return undefined;
  const explained = explainQueueyError(error.cause);
  if (!explained || !error.message.includes(error.cause.message)) return undefined;
  return new ExitError(
    error.exitCode,
    error.message.replace(error.cause.message, explained.message),
    {
      cause: error.cause,
    },
  );
}

/**
 * The one place errors become exit codes: usage and config errors exit 2,
 * everything else 1; one line each (a config error has one per problem); a
 * stack only with --debug.
 */
export async function runBin(
  prog: string,
  main: (argv: string[], io: Io) => Promise<number | undefined>,
  argv: string[] = process.argv.slice(2),
): Promise<void> {
  const io = { ...processIo(), prog };
  endOnBrokenPipe([io.stdout, io.stderr]);
  const debug = argv.includes('--debug');
  let code: number;
  try {
    code = (await main(argv, io)) ?? 0;
  } catch (thrown) {
    const error = explainQueueyError(thrown) ?? explainCause(thrown) ?? thrown;
    code = isCliError(error) ? error.exitCode : 1;
    const message = error instanceof Error ? error.message : String(error);
    const lines = isCliError(error) ? message.split('\n') : [message.split('\n')[0] ?? ''];
    for (const line of lines) printLine(io.stderr, `${prog}: ${line}`);
    const original = thrown instanceof Error ? thrown : error;
    if (debug && original instanceof Error && original.stack)
      io.stderr.write(`${original.stack}\n`);
    else if (!isCliError(error) && !isExpected(error))
      io.stderr.write(`${prog}: (run with --debug for the stack trace)\n`);
  }
  process.exitCode = code;
  // Whatever still holds the event loop (a job abandoned by an unclean stop
  // and its timers, a socket in keep-alive, a hook's timer) must not keep a
  // finished command alive: it exits once what it printed is out. The timer
  // is for an output stream that never drains.
  setTimeout(() => process.exit(code), 2000).unref();
  await Promise.all([drained(io.stdout), drained(io.stderr)]);
  process.exit(code);
}

/** Resolves once everything written to `stream` so far has been handed on (or failed). */
function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}
