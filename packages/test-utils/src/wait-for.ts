/**
 * Polls `check` until it returns a truthy value and resolves with it; after
 * `timeout` ms it rejects, naming `what` it waited for. The one poll-until
 * helper of every suite: tests await a condition instead of sleeping.
 */
export interface WaitOptions {
  what?: string | (() => string);
  /** Milliseconds before it fails; default 10 s. */
  timeout?: number;
  /** Milliseconds between checks; default 10. */
  interval?: number;
}

export async function waitFor<T>(
  check: () => T | Promise<T>,
  given: WaitOptions | number | string = {},
): Promise<T> {
  // A number is the timeout, a string what is waited for: the short forms suites use.
  const options: WaitOptions =
    typeof given === 'number'
      ? { timeout: given }
      : typeof given === 'string'
        ? { what: given }
        : given;
  const { timeout = 10_000, interval = 10 } = options;
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) {
      const what = typeof options.what === 'function' ? options.what() : options.what;
      throw new Error(
        `timed out after ${timeout} ms waiting ${what ? `for ${what}` : 'for a condition'}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
