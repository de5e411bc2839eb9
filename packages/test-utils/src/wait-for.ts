/**
 * Polls `check` until it returns a truthy value and resolves with it; after
 * `timeout` ms it rejects, naming `what` it waited for. The one poll-until
 * helper of every suite: tests await a condition instead of sleeping.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: { what?: string | (() => string); timeout?: number; interval?: number } = {},
): Promise<T> {
  const { timeout = 10_000, interval = 20 } = options;
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
