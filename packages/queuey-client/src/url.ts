import { QueueyError } from './errors.js';
import type { MessageId, Params } from './types.js';

/** Splits and checks `connection`; every root ends with '/' so paths join under it. */
export function parseConnection(connection: string | readonly string[]): URL[] {
  const items = (typeof connection === 'string' ? [connection] : [...connection]).flatMap((c) =>
    typeof c === 'string' ? c.split(',') : [c],
  );
  const roots: URL[] = [];
  for (const raw of items) {
    if (typeof raw !== 'string') {
      throw new QueueyError(`connection entries must be strings, got ${typeof raw}`, {
        code: 'QUEUEY_CLIENT_INVALID_OPTIONS',
      });
    }
    const text = raw.trim();
    if (text === '') continue;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new QueueyError(
        `connection "${redactText(text)}" is not a URL; expected an app root like http://127.0.0.1:5000/v1/queuey/`,
        { code: 'QUEUEY_CLIENT_INVALID_OPTIONS' },
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new QueueyError(
        `connection "${redact(url)}" must use http: or https:, not ${url.protocol}`,
        { code: 'QUEUEY_CLIENT_INVALID_OPTIONS' },
      );
    }
    url.search = '';
    url.hash = '';
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    roots.push(url);
  }
  if (roots.length === 0) {
    throw new QueueyError(
      'connection is empty; give an app root URL like http://127.0.0.1:5000/v1/queuey/',
      { code: 'QUEUEY_CLIENT_INVALID_OPTIONS' },
    );
  }
  return roots;
}

/** A URL as it may appear in errors: without user name or password. */
export function redact(url: URL): string {
  if (!url.username && !url.password) return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

function redactText(text: string): string {
  return text.replace(/\/\/[^/@]*@/, '//');
}

const LOCAL_HOSTS = /^(127\.0\.0\.\d+|localhost|\[::1\])$/;

export function isLocal(url: URL): boolean {
  return LOCAL_HOSTS.test(url.hostname);
}

/** `path` is relative to the app root; '' is the app root itself. */
export function buildUrl(root: URL, path: string, params?: Params): URL {
  const url = new URL(root.href);
  url.pathname = root.pathname + path.replace(/^\/+/, '');
  if (params) {
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
  }
  return url;
}

/** The server's /__heartbeat__, beside the '/v1/' part of the app root. */
export function heartbeatUrl(root: URL): URL {
  const url = new URL(root.href);
  const at = root.pathname.lastIndexOf('/v1/');
  url.pathname = `${at >= 0 ? root.pathname.slice(0, at) : ''}/__heartbeat__`;
  return url;
}

export function queuePath(queue: string): string {
  if (typeof queue !== 'string' || queue === '') {
    throw new QueueyError('queue name must be a non-empty string', {
      code: 'QUEUEY_CLIENT_INVALID_ARGUMENT',
    });
  }
  return encodeURIComponent(queue);
}

const ID = /^(?:(\d+):)?([0-9a-zA-Z]{32})$/;

/** 'p1%3Ahex,p2%3Ahex' for a message-id path segment. */
export function formatIds(ids: readonly MessageId[]): string {
  return ids
    .map((id) => {
      const text = typeof id === 'string' ? id : `${id.partition}:${id.id}`;
      if (!ID.test(text)) {
        throw new QueueyError(
          `message id ${JSON.stringify(text)} is not 'hex' or 'partition:hex' (32 hex digits)`,
          { code: 'QUEUEY_CLIENT_INVALID_ARGUMENT' },
        );
      }
      return encodeURIComponent(text);
    })
    .join(',');
}
