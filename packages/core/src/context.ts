import type { JobContext } from './hooks.js';

/** A set-up job context and its teardown, which runs at most once. */
export interface OpenContext<C> {
  readonly context: C;
  close(): Promise<void>;
}

type AnyGenerator<C> = AsyncGenerator<C> | Generator<C>;

function isGenerator<C>(value: unknown): value is AnyGenerator<C> {
  if (value === null || typeof value !== 'object') return false;
  const g = value as Partial<Generator<C>> & { [Symbol.asyncIterator]?: unknown };
  return (
    typeof g.next === 'function' &&
    typeof g.return === 'function' &&
    (typeof g[Symbol.iterator] === 'function' || typeof g[Symbol.asyncIterator] === 'function')
  );
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}

/**
 * Runs the job_context hook. Generators are preferred (`try { yield ctx }
 * finally { teardown }`, like Python's @contextmanager); a disposable result
 * is disposed at teardown; anything else is the context itself.
 */
export async function openContext<C>(
  jobContext?: JobContext<C>,
  signal: AbortSignal = new AbortController().signal,
): Promise<OpenContext<C>> {
  if (!jobContext) return { context: {} as C, close: async () => {} };
  const result = jobContext({ signal });
  if (isGenerator<C>(result)) {
    const first = await result.next();
    if (first.done) {
      throw new TypeError('job_context generator returned without yielding a context');
    }
    return {
      context: first.value,
      close: once(async () => {
        await result.return(undefined as never);
      }),
    };
  }
  const context = await result;
  const disposable = context as Partial<AsyncDisposable & Disposable> | null | undefined;
  const asyncDispose = disposable?.[Symbol.asyncDispose];
  const dispose = disposable?.[Symbol.dispose];
  let close = async () => {};
  if (typeof asyncDispose === 'function') close = async () => asyncDispose.call(context);
  else if (typeof dispose === 'function') close = async () => dispose.call(context);
  return { context, close: once(close) };
}
