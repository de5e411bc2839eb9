import { toError } from '@qdo/core';

/** How deep a `cause` chain is followed; deeper chains are cut with a note. */
const MAX_CAUSES = 5;

/**
 * An `Authorization: Application <key>` value that an error might quote.
 * App keys must never reach a log, so such values are masked.
 */
const CREDENTIAL = /(Application\s+)[^\s;,'"`]+/gi;

export function redact(text: string): string {
  return text.replace(CREDENTIAL, '$1[redacted]');
}

function stackOf(error: Error): string {
  // A stack starts with "Name: message"; an error without one still says what it was.
  return error.stack ?? `${error.name}: ${error.message}`;
}

/** The full stack of `error` and of each `cause` below it. */
export function formatError(value: unknown): string {
  const parts: string[] = [];
  let current: unknown = value;
  for (let depth = 0; current !== undefined && current !== null; depth++) {
    if (depth > MAX_CAUSES) {
      parts.push('... (more causes)');
      break;
    }
    const error = toError(current);
    parts.push(depth === 0 ? stackOf(error) : `Caused by: ${stackOf(error)}`);
    // toError wraps a non-Error and keeps it as cause: shown once in its message already.
    current = error === current ? error.cause : undefined;
  }
  return redact(parts.join('\n'));
}

/** The one log line (plus stack) for a failed job. */
export function describeFailure(messageId: string, queue: string, error: unknown): string {
  return `job failed for message ${messageId} in ${queue}\n${formatError(error)}`;
}

/**
 * `error` as a logger shows it: its name, its message with credentials
 * masked, and as stack the full stack of it and its causes.
 */
export function shownError(value: unknown): Error {
  const error = toError(value);
  const shown = new Error(redact(error.message));
  shown.name = error.name;
  shown.stack = formatError(value);
  return shown;
}
