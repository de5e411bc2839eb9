import { type ErrorQueue, type FailedMessage, groupFailures, messagePattern } from '@qdo/failure';
import type { ErrorGroupView, ErrorView } from '../api-types.js';

/** groupFailures' name for failures saved without their error (older versions). */
export const UNRECORDED = '(unknown)';

export const preview = (body: unknown, max = 2000): string => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

const epochIso = (seconds: string) => new Date(Number(seconds) * 1000).toISOString();

export function errorView(f: FailedMessage): ErrorView {
  return {
    errorId: f.errorId,
    queue: f.queue,
    messageId: f.message.message_id,
    failedAt: epochIso(f.failedAt),
    body: preview(f.message.body),
    error: f.error && {
      name: f.error.name,
      message: f.error.message,
      stack: f.error.stack,
      code: f.error.code,
      attempts: f.error.attempts,
      worker: f.error.worker,
    },
  };
}

/** A group of failures alike, as groupFailures keys it: error class and message pattern. */
export interface GroupFilter {
  queue: string | undefined;
  name: string;
  pattern: string;
}

const inGroup = (f: FailedMessage, group: GroupFilter) =>
  f.error
    ? f.error.name === group.name && messagePattern(f.error.message) === group.pattern
    : group.name === UNRECORDED && group.pattern === '';

export async function listGroups(
  errors: ErrorQueue,
  queue: string | undefined,
): Promise<ErrorGroupView[]> {
  const failures: FailedMessage[] = [];
  for await (const f of errors.list(queue ? { queue } : {})) failures.push(f);
  return groupFailures(failures).map((g) => ({
    name: g.name,
    pattern: g.pattern,
    count: g.count,
    queues: g.queues,
    example: preview(g.latest.error?.message ?? '', 500),
    latestAt: epochIso(g.latest.failedAt),
  }));
}

/** The qdo_error ids (`p:hex`) of one group's failures. */
export async function groupIds(errors: ErrorQueue, group: GroupFilter): Promise<string[]> {
  const filter = {
    ...(group.queue ? { queue: group.queue } : {}),
    ...(group.name !== UNRECORDED ? { error: group.name } : {}),
  };
  const ids: string[] = [];
  for await (const f of errors.list(filter)) if (inGroup(f, group)) ids.push(f.errorId);
  return ids;
}
