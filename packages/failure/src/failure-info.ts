import { toError, workerName } from '@qdo/core';
import { formatError, redact } from './format.js';

/**
 * Why a message failed, saved next to it in qdo_error as `error`. Snake
 * case like the message's own keys, as another language's reader sees them.
 */
export interface FailureInfo {
  /** The error's class, e.g. `TypeError`. */
  name: string;
  message: string;
  /** The stack, causes included, cut to `MAX_STACK` characters. */
  stack: string;
  /** The error's `code` (e.g. `ECONNRESET`), when it has one. */
  code?: string;
  /** How many times the job ran on the message (1 + the retries used). */
  attempts: number;
  /** The worker that gave up on it. */
  worker: string;
  /** When, ISO 8601 (UTC). */
  failed_at: string;
}

/** Bounds what one failure adds to its saved copy (the server limits a body). */
export const MAX_STACK = 8 * 1024;
const MAX_MESSAGE = 2 * 1024;

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n... (${text.length - max} more characters)`;
}

/** The `error` object saved with a failed message. */
export function failureInfo(
  error: unknown,
  run: { attempt?: number | undefined; worker?: string | undefined; now: number },
): FailureInfo {
  const e = toError(error);
  const code = (e as { code?: unknown }).code;
  return {
    name: e.name,
    message: cut(redact(e.message), MAX_MESSAGE),
    stack: cut(formatError(error), MAX_STACK),
    ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
    attempts: run.attempt ?? 1,
    worker: run.worker ?? workerName(),
    failed_at: new Date(run.now).toISOString(),
  };
}

const isText = (value: unknown) => typeof value === 'string';

/** The saved `error`, when it has the shape `failureInfo` writes; else undefined. */
export function readFailureInfo(value: unknown): FailureInfo | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const info = value as Record<string, unknown>;
  if (!isText(info.name) || !isText(info.message)) return undefined;
  return {
    name: info.name as string,
    message: info.message as string,
    stack: isText(info.stack) ? (info.stack as string) : '',
    ...(isText(info.code) ? { code: info.code as string } : {}),
    attempts: typeof info.attempts === 'number' ? info.attempts : 1,
    worker: isText(info.worker) ? (info.worker as string) : '',
    failed_at: isText(info.failed_at) ? (info.failed_at as string) : '',
  };
}
