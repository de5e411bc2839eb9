import { byFailedAt, type FailedMessage } from './failed-message.js';

/** Failures that look alike: the same error class and message pattern. */
export interface FailureGroup {
  /** The error class; `(unknown)` for failures saved without their error (older versions). */
  name: string;
  /** The message's first line with ids and numbers replaced (`boom <n>`). */
  pattern: string;
  count: number;
  /** The partitions (`Q-N`) they failed in, sorted. */
  queues: string[];
  /** The newest one. */
  latest: FailedMessage;
}

const UNKNOWN = '(unknown)';
const HEX_ID = /\b[0-9a-f]{32}\b|\b[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\b/gi;
const NUMBER = /\d+(\.\d+)?/g;

/**
 * The first line of an error message with what differs between otherwise
 * equal failures (message ids, UUIDs, numbers) replaced, so that
 * `order 17 failed` and `order 42 failed` group together.
 */
export function messagePattern(message: string): string {
  const first = message.split('\n', 1)[0] ?? '';
  return first.replace(HEX_ID, '<id>').replace(NUMBER, '<n>').trim();
}

/** Groups failures by error class and message pattern, largest group first. */
export function groupFailures(failures: Iterable<FailedMessage>): FailureGroup[] {
  const groups = new Map<string, FailureGroup & { queueSet: Set<string> }>();
  for (const failure of failures) {
    const name = failure.error?.name ?? UNKNOWN;
    const pattern = failure.error ? messagePattern(failure.error.message) : '';
    const key = JSON.stringify([name, pattern]);
    const group = groups.get(key);
    if (!group) {
      groups.set(key, {
        name,
        pattern,
        count: 1,
        queues: [],
        latest: failure,
        queueSet: new Set([failure.queue]),
      });
      continue;
    }
    group.count += 1;
    group.queueSet.add(failure.queue);
    if (byFailedAt(failure, group.latest) > 0) group.latest = failure;
  }
  return [...groups.values()]
    .map(({ queueSet, ...group }) => ({ ...group, queues: [...queueSet].sort() }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}
