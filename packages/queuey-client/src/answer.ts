import { QueueyBadResponseError, QueueyHTTPError } from './errors.js';

/** What the client reads of an answer's headers (a fetch Headers, or node:http's). */
export interface AnswerHeaders {
  get(name: string): string | null;
}

/** One HTTP answer, its body read as text. */
export interface RawAnswer {
  status: number;
  statusText: string;
  contentType: string;
  text: string;
  headers: AnswerHeaders;
}

/** A request's answer as the client uses it: the parsed JSON body, and the headers. */
export interface Answer<T = unknown> {
  data: T;
  headers: AnswerHeaders;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 80)}…` : flat;
}

function parse(text: string): { ok: true; value: unknown } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error };
  }
}

const HINTS: Record<number, string> = {
  401: ' (the application key was not accepted: check appKey)',
  403: ' (access denied: no appKey given, or this application may not do that)',
  413: ' (the request body is larger than the server accepts)',
};

/** Turns an HTTP answer into the parsed JSON, or a QueueyError that says what happened. */
export function readAnswer(answer: RawAnswer, method: string, url: string): unknown {
  const { status, text } = answer;
  if (status >= 200 && status < 300) {
    if (text === '' || method === 'HEAD') return undefined;
    const parsed = parse(text);
    if (parsed.ok) return parsed.value;
    const what = answer.contentType.includes('json')
      ? 'JSON that is cut off or malformed'
      : `${answer.contentType || 'an untyped body'} instead of JSON`;
    throw new QueueyBadResponseError(
      `${method} ${url} answered ${status} with ${what}: "${snippet(text)}"; is connection pointing at a Queuey app root?`,
      { status, method, url, cause: parsed.error },
    );
  }
  const parsed = text === '' ? undefined : parse(text);
  const body = parsed?.ok ? (parsed.value as { error_msg?: unknown }) : undefined;
  const errorMsg =
    body && typeof body.error_msg === 'object' && body.error_msg !== null
      ? (body.error_msg as Record<string, unknown>)
      : undefined;
  const reason = errorMsg
    ? JSON.stringify(errorMsg)
    : text === ''
      ? 'no body'
      : `not a Queuey error body (${answer.contentType || 'untyped'}): "${snippet(text)}"`;
  const statusLine = `${status}${answer.statusText ? ` ${answer.statusText}` : ''}`;
  throw new QueueyHTTPError(
    `${method} ${url} answered ${statusLine}: ${reason}${HINTS[status] ?? ''}`,
    { status, errorMsg, method, url },
  );
}
