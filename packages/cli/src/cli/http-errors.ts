import { isQueueyError } from '@qdo/queuey-client';
import { ExitError } from '../errors.js';

const WHERE = '--connection or [queuey] connection';
const KEY_FROM = '--app-key, $QDO_APP_KEY or [queuey] app_key';

interface HttpLike {
  status?: number;
  errorMsg?: Record<string, unknown>;
  method?: string;
  url?: string;
  timeout?: number;
}

/** `http://host:port/v1/app/` of a request URL: no query, no message ids (and never a key, which travels in a header). */
function appRoot(url: string | undefined): string {
  if (!url) return 'the Queuey server';
  try {
    const u = new URL(url);
    const [, v1, app] = u.pathname.split('/');
    return v1 === 'v1' && app ? `${u.origin}/v1/${app}/` : `${u.origin}${u.pathname}`;
  } catch {
    return 'the Queuey server';
  }
}

/** The queue a request URL names (`/v1/app/QUEUE[/ids]`). */
function queueOf(url: string | undefined): string | undefined {
  try {
    const segment = new URL(url ?? '').pathname.split('/')[3];
    return segment ? decodeURIComponent(segment) : undefined;
  } catch {
    return undefined;
  }
}

/** A Queuey error body `{"field": "problem", ...}` as `field: problem; ...`. */
function flatten(errorMsg: Record<string, unknown> | undefined): string {
  if (!errorMsg) return '';
  return Object.entries(errorMsg)
    .map(([field, problem]) => {
      const text = (typeof problem === 'string' ? problem : JSON.stringify(problem)).replace(
        /\.$/,
        '',
      );
      // batch fields read "0.partition": the item number means nothing to a person
      const name = field.replace(/^\d+\./, '');
      return text.includes(name) ? text : `${name}: ${text}`;
    })
    .join('; ');
}

function forStatus(e: HttpLike): string {
  const root = appRoot(e.url);
  const keys = Object.keys(e.errorMsg ?? {});
  switch (e.status) {
    case 401:
      return `${root} did not accept the application key: check ${KEY_FROM}`;
    case 403:
      return `${root} denied access: give the application's key with ${KEY_FROM}`;
    case 404: {
      const queue = queueOf(e.url);
      if (keys.includes('InvalidQueueName') && queue)
        return `queue "${queue}" does not exist (qdo queues ls lists the queues; qdo queues create ${queue} makes it)`;
      if (keys.includes('application'))
        return `${root}: ${flatten(e.errorMsg)}; fix the application name in ${WHERE} (http://HOST:PORT/v1/APP/)`;
      return `${root} is not a Queuey application root: ${WHERE} should look like http://HOST:PORT/v1/APP/`;
    }
    case 400:
    case 409:
    case 413:
      return `the server refused it: ${flatten(e.errorMsg) || `${e.status}`}`;
    default:
      if ((e.status ?? 0) >= 500)
        return `${root} failed (HTTP ${e.status}); try again, or look at the server's log`;
      return `${root} answered HTTP ${e.status} to ${e.method ?? 'a request'}${flatten(e.errorMsg) ? `: ${flatten(e.errorMsg)}` : ''}`;
  }
}

/**
 * A Queuey client error as one line that says what to do, with its exit
 * code (2 for a bad argument, 1 for the rest); undefined for other errors.
 */
export function explainQueueyError(error: unknown): ExitError | undefined {
  if (!isQueueyError(error)) return undefined;
  const e = error as unknown as HttpLike;
  switch (error.code) {
    case 'QUEUEY_CLIENT_INVALID_ARGUMENT':
    case 'QUEUEY_CLIENT_INVALID_OPTIONS':
      return new ExitError(2, error.message, { cause: error });
    case 'QUEUEY_CLIENT_CONNECTION_ERROR': {
      // "...: http://host/v1/app/?query: connect ECONNREFUSED 127.0.0.1:9; check ..."
      const reason = /: ([^:;]+(?::\d+)?); check/.exec(error.message)?.[1];
      return new ExitError(
        1,
        `cannot reach a Queuey server at ${appRoot(e.url)}${reason ? ` (${reason})` : ''}: start it, or fix ${WHERE}`,
        { cause: error },
      );
    }
    case 'QUEUEY_CLIENT_TIMEOUT':
      return new ExitError(
        1,
        `${appRoot(e.url)} did not answer within ${Math.round((e.timeout ?? 0) / 1000)} s; try again, or check the server`,
        { cause: error },
      );
    case 'QUEUEY_CLIENT_BAD_RESPONSE':
      return new ExitError(
        1,
        `${appRoot(e.url)} did not answer like a Queuey server (HTTP ${e.status}): check ${WHERE}`,
        { cause: error },
      );
    case 'QUEUEY_CLIENT_HTTP_ERROR':
      return new ExitError(1, forStatus(e), { cause: error });
    default:
      return new ExitError(1, error.message.split('\n')[0] ?? '', { cause: error });
  }
}
