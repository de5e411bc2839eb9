/** What the example jobs share: one counter per worker. */
export interface Counter {
  counter: number;
}

/**
 * One-time setup and teardown around all jobs of the worker (the seed's
 * `@contextmanager`): the `finally` runs once when the worker stops.
 */
export async function* jobContext(): AsyncGenerator<Counter> {
  const context: Counter = { counter: 0 };
  try {
    yield context;
  } finally {
    console.log(`Messages processed: ${context.counter}`);
  }
}
