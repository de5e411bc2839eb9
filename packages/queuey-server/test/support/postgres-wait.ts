import { waitFor } from '@qdo/test-utils';

/** Polls `condition` until it holds, failing with `what` after `timeout` ms. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeout = 10_000,
): Promise<void> {
  await waitFor(condition, { what, timeout });
}
