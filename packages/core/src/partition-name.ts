import { QdoConfigError } from './errors.js';

/** `Q-N` for queue Q, partition N. */
export function partitionName(queue: string, partition: number): string {
  return `${queue}-${partition}`;
}

/**
 * Splits `Q-N` at the LAST dash, so queue names may contain dashes
 * (`my-queue-3` is partition 3 of `my-queue`).
 */
export function parsePartition(name: string): { queue: string; partition: number } {
  const dash = name.lastIndexOf('-');
  const tail = name.slice(dash + 1);
  if (dash <= 0 || !/^[1-9]\d*$/.test(tail)) {
    throw new QdoConfigError(
      `"${name}" is not a partition name: expected <queue>-<n> with n >= 1, e.g. "${name || 'myqueue'}-1"`,
    );
  }
  return { queue: name.slice(0, dash), partition: Number(tail) };
}
