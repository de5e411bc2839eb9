import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  isQueueyError,
  QueueyClient,
  type QueueyClientOptions,
  QueueyError,
  QueueyHTTPError,
} from '../src/index.js';
import { renderings } from './helpers.js';

function optionsError(options: unknown): QueueyError {
  try {
    new QueueyClient(options as QueueyClientOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(QueueyError);
    expect((error as QueueyError).code).toBe('QUEUEY_CLIENT_INVALID_OPTIONS');
    return error as QueueyError;
  }
  throw new Error('expected the options to be rejected');
}

describe('client options', () => {
  const connection = 'http://127.0.0.1:5000/v1/queuey/';

  it('fail at construction and name the option to fix', () => {
    expect(optionsError({}).message).toMatch(/connection is required/);
    expect(optionsError({ connection, retries: -1 }).message).toMatch(/retries must be/);
    expect(optionsError({ connection, retries: 1.5 }).message).toMatch(
      /retries must be an integer/,
    );
    expect(optionsError({ connection, timeout: 0 }).message).toMatch(/timeout must be/);
    expect(optionsError({ connection, cooldown: Number.NaN }).message).toMatch(/cooldown/);
    expect(optionsError({ connection, ca: 42 }).message).toMatch(/ca must be/);
  });

  it('reject a key that could split headers without repeating it', () => {
    const error = optionsError({ connection, appKey: 'line\nbreak-secret' });
    for (const text of renderings(error)) expect(text).not.toContain('break-secret');
  });

  it('keep the key out of the client object when inspected or serialised', () => {
    const client = new QueueyClient({ connection, appKey: 'sekrit-in-client-31c' });
    expect(inspect(client, { depth: 10, showHidden: true })).not.toContain('sekrit');
    expect(JSON.stringify(client)).not.toContain('sekrit');
  });

  it('report the first server, without credentials', () => {
    const client = new QueueyClient({ connection: 'http://u:pw-secret@127.0.0.1:1/v1/q' });
    expect(client.server).toBe('http://127.0.0.1:1/v1/q/');
  });

  it('reject bad arguments before any request', async () => {
    const client = new QueueyClient({ connection });
    await expect(client.getMessages('', ['a'.repeat(32)])).rejects.toThrow(/queue name/);
    await expect(client.deleteMessages('q', ['nope'])).rejects.toMatchObject({
      code: 'QUEUEY_CLIENT_INVALID_ARGUMENT',
    });
    await expect(
      client.postMessage('q', '{}', { contentType: 'application/json' }),
    ).rejects.toThrow(/use postMessages/);
    await expect(client.queues({ pageSize: 0 }).next()).rejects.toThrow(/pageSize/);
  });
});

describe('errors', () => {
  it('are recognised by name too, so two copies of the package agree', () => {
    const foreign = Object.assign(new Error('x'), {
      name: 'QueueyHTTPError',
      code: 'QUEUEY_CLIENT_HTTP_ERROR',
    });
    expect(isQueueyError(foreign)).toBe(true);
    expect(isQueueyError(new Error('x'))).toBe(false);
    expect(isQueueyError({ name: 'QueueyError', code: 'X' })).toBe(false);
  });

  it('serialise to JSON with name, code, message and details', () => {
    const error = new QueueyHTTPError('GET u answered 404', {
      status: 404,
      errorMsg: { queue: 'not found' },
      method: 'GET',
      url: 'u',
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'QueueyHTTPError',
      code: 'QUEUEY_CLIENT_HTTP_ERROR',
      message: 'GET u answered 404',
      status: 404,
      errorMsg: { queue: 'not found' },
      method: 'GET',
      url: 'u',
    });
    expect(String(error)).toBe('QueueyHTTPError: GET u answered 404');
  });
});
