// Sorting the ways a request can fail without an HTTP answer. Only failures
// where the server cannot have received the request make a POST safe to send
// again; in browsers fetch hides the reason, so there a POST is never resent.

const NOT_RECEIVED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
]);

export type FailureKind = 'timeout' | 'not-received' | 'broken';

export interface Failure {
  kind: FailureKind;
  /** A plain Error with the low-level reason and code, safe to expose (no request inside). */
  cause: Error;
}

function innermost(error: unknown): { code: string | undefined; message: string } {
  let current: unknown = error;
  let found: { code: string | undefined; message: string } = {
    code: undefined,
    message: String(error),
  };
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    found = { code: typeof code === 'string' ? code : found.code, message: current.message };
    const errors = (current as { errors?: unknown }).errors;
    current = current.cause ?? (Array.isArray(errors) ? errors[0] : undefined);
  }
  return found;
}

export function classify(error: unknown, timedOut: boolean): Failure {
  if (timedOut) return { kind: 'timeout', cause: new Error('timed out') };
  const { code, message } = innermost(error);
  const cause = new Error(code && !message.includes(code) ? `${code}: ${message}` : message);
  if (code) Object.assign(cause, { code });
  return { kind: code && NOT_RECEIVED.has(code) ? 'not-received' : 'broken', cause };
}

export type AnswerHealth = 'healthy' | 'fail-over' | 'fail';

/**
 * What an HTTP answer says about the server. 502/503/504 come from proxies
 * and servers that cannot serve, and a 500 is what our server answers while
 * its storage is down: the server cools down (`fail-over` or `fail`). A
 * request safe to repeat moves on to the next server (`fail-over`). A POST
 * does only after a 503, which says nobody took it in; after 500/502/504 it
 * may have been stored, so its error answer is thrown (`fail`).
 */
export function sickAnswer(status: number, method: string): AnswerHealth {
  if (status !== 500 && status !== 502 && status !== 503 && status !== 504) return 'healthy';
  return method !== 'POST' || status === 503 ? 'fail-over' : 'fail';
}
