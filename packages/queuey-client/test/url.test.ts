import { describe, expect, it } from 'vitest';
import { QueueyError } from '../src/index.js';
import { buildUrl, formatIds, heartbeatUrl, parseConnection, redact } from '../src/url.js';

describe('connection parsing', () => {
  it('splits a comma list and adds the trailing slash of an app root', () => {
    const roots = parseConnection(' http://a:5000/v1/queuey , https://b/v1/app/ ,');
    expect(roots.map((r) => r.href)).toEqual(['http://a:5000/v1/queuey/', 'https://b/v1/app/']);
  });

  it('accepts an array whose items may themselves be comma lists', () => {
    const roots = parseConnection(['http://a/v1/q/', 'http://b/v1/q/,http://c/v1/q/']);
    expect(roots).toHaveLength(3);
  });

  it('rejects an empty connection, naming what to give', () => {
    expect(() => parseConnection(' , ')).toThrow(/app root URL like http/);
  });

  it('rejects a non-URL and a non-http scheme with QUEUEY_CLIENT_INVALID_OPTIONS', () => {
    expect(() => parseConnection('localhost:5000')).toThrow(/must use http: or https:/);
    try {
      parseConnection('not a url');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(QueueyError);
      expect((error as QueueyError).code).toBe('QUEUEY_CLIENT_INVALID_OPTIONS');
    }
  });

  it('never repeats credentials given in a URL', () => {
    expect(() => parseConnection('ftp://user:hunter2@host/')).toThrow(/ftp:\/\/host\//);
    expect(redact(new URL('http://user:hunter2@host/v1/q/'))).toBe('http://host/v1/q/');
  });
});

describe('request URLs', () => {
  const root = new URL('http://h:1/prefix/v1/queuey/');

  it('joins a path under the app root and drops undefined parameters', () => {
    const url = buildUrl(root, 'my%20q', { since: 'abc', limit: 5, order: undefined, a: true });
    expect(url.href).toBe('http://h:1/prefix/v1/queuey/my%20q?since=abc&limit=5&a=true');
  });

  it('treats the empty path as the app root and never reads a colon as a scheme', () => {
    expect(buildUrl(root, '').href).toBe(root.href);
    expect(buildUrl(root, 'a:b').href).toBe('http://h:1/prefix/v1/queuey/a:b');
  });

  it('finds the heartbeat beside /v1/', () => {
    expect(heartbeatUrl(root).href).toBe('http://h:1/prefix/__heartbeat__');
    expect(heartbeatUrl(new URL('http://h/other/')).href).toBe('http://h/__heartbeat__');
  });

  it('formats message ids as an encoded comma list', () => {
    const hex = 'a'.repeat(32);
    expect(formatIds([hex, `3:${hex}`, { partition: 2, id: hex }])).toBe(
      `${hex},3%3A${hex},2%3A${hex}`,
    );
  });

  it('rejects a malformed message id before sending anything', () => {
    expect(() => formatIds(['abc'])).toThrow(/"abc" is not 'hex' or 'partition:hex'/);
  });
});
