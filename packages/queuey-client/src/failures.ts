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

export type AnswerHealth = 'healthy' | 'sick' | 'sick-may-have-applied';

/**
 * Whether an HTTP answer shows a sick server. 502/503/504 come from proxies
 * and servers that cannot serve; a 500 to a request that is safe to repeat
 * is treated the same (our server answers 500 when its storage is down).
 * A POST is sent elsewhere only after a 503, which says nobody took it in; after
 * 502/504 its upstream may have stored it, so it fails (the server still cools
 * down), and a 500 to a POST is that request's own error.
 */
export function sickAnswer(status: number, method: string): AnswerHealth {
  const idempotent = method !== 'POST';
  if (status === 503) return 'sick';
  if (status === 502 || status === 504) return idempotent ? 'sick' : 'sick-may-have-applied';
  if (status === 500 && idempotent) return 'sick';
  return 'healthy';
}
