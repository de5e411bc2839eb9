import { JobTimeoutError } from './errors.js';

/**
 * Runs `fn` and gives up after `seconds` (0 = never). A job that never
 * settles cannot be cancelled; its promise is abandoned and any late
 * rejection swallowed so it cannot crash the process.
 */
export async function withTimeout<T>(fn: () => T | Promise<T>, seconds: number): Promise<T> {
  const running = Promise.resolve().then(fn);
  if (!seconds) return running;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new JobTimeoutError(seconds)), seconds * 1000);
  });
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
    running.catch(() => {});
  }
}
