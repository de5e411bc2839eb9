/**
 * Extension `headers`: a small key/value map posted with a message and
 * returned with it on reads (e.g. W3C `traceparent`). Sent in a batch item as
 * `"headers": {...}` or, for a single-message post, as `X-Queuey-Header-<key>`
 * request headers. Bounded so a message's metadata never rivals its body.
 */
import type { MessageHeaders } from '../storage/types.js';
import type { ServedRequest } from './request.js';
import { type FieldErrors, isMissing, quote } from './validate.js';

export const MAX_HEADER_KEYS = 16;
export const MAX_HEADER_KEY_LENGTH = 64;
export const MAX_HEADER_VALUE_LENGTH = 1024;
/** Keys and values together, UTF-8 bytes. */
export const MAX_HEADERS_BYTES = 4096;
const KEY = /^[a-z0-9_.-]+$/;
const REQUEST_PREFIX = 'x-queuey-header-';

/** A batch item's `headers` object, checked; undefined when absent or empty. */
export function validateHeaders(raw: unknown, errors: FieldErrors): MessageHeaders | undefined {
  if (isMissing(raw)) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    errors.add('headers', `${quote(raw)} is not an object of string values`);
    return undefined;
  }
  return checkEntries(Object.entries(raw as Record<string, unknown>), errors);
}

/** The `X-Queuey-Header-<key>` headers of a single-message post (names arrive lower case). */
export function requestHeaders(
  request: ServedRequest,
  errors: FieldErrors,
): MessageHeaders | undefined {
  const entries: [string, unknown][] = [];
  request.headers.forEach((value, name) => {
    if (name.startsWith(REQUEST_PREFIX)) entries.push([name.slice(REQUEST_PREFIX.length), value]);
  });
  return checkEntries(entries, errors);
}

function checkEntries(
  entries: [string, unknown][],
  errors: FieldErrors,
): MessageHeaders | undefined {
  if (entries.length === 0) return undefined;
  if (entries.length > MAX_HEADER_KEYS) {
    errors.add('headers', `${entries.length} keys are more than ${MAX_HEADER_KEYS}`);
    return undefined;
  }
  const headers: Record<string, string> = {};
  let bytes = 0;
  for (const [key, value] of entries) {
    const problem = keyProblem(key) ?? valueProblem(value);
    if (problem) {
      errors.add(`headers.${key.slice(0, MAX_HEADER_KEY_LENGTH)}`, problem);
      return undefined;
    }
    headers[key] = value as string;
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value as string);
  }
  if (bytes > MAX_HEADERS_BYTES) {
    errors.add('headers', `${bytes} bytes of keys and values are more than ${MAX_HEADERS_BYTES}`);
    return undefined;
  }
  return headers;
}

function keyProblem(key: string): string | undefined {
  if (key.length > MAX_HEADER_KEY_LENGTH || !KEY.test(key)) {
    return `${quote(key)} is not a key of 1 to ${MAX_HEADER_KEY_LENGTH} characters of a-z 0-9 - _ .`;
  }
  return undefined;
}

function valueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE_LENGTH) {
    return `${quote(value)} is not a string of at most ${MAX_HEADER_VALUE_LENGTH} characters`;
  }
  return undefined;
}
