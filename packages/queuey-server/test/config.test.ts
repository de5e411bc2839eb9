import { describe, expect, it } from 'vitest';
import { parseServerConfig } from '../src/config.js';
import { isQueueyServerError } from '../src/errors.js';

const file = '/etc/queuey/queuey.ini';
const parse = (text: string, env: Record<string, string> = {}) =>
  parseServerConfig(text, { file, env });

function failure(text: string) {
  try {
    parse(text);
  } catch (error) {
    expect(isQueueyServerError(error)).toBe(true);
    return error as Error & { code: string; section?: string; key?: string };
  }
  throw new Error('expected the config to be rejected');
}

describe('server config', () => {
  it('reads keys (comma or newline lists), storage and server settings, paths relative to the file', () => {
    const config = parse(
      [
        '# Queuey',
        '[application_keys]',
        'queuey = f25bfb8fe200475c8a0532a9cbe7651e',
        'other = aaa, bbb',
        'third =',
        '    ccc',
        '    ddd',
        '[storage]',
        'backend = sqlite',
        'path = ../data/q.db',
        '[server]',
        'host: 0.0.0.0',
        'port = 0',
        'body_limit = 2048',
        'max_wait = 5',
        'purge_interval = 10',
      ].join('\n'),
    );
    expect(config).toEqual({
      file,
      applications: {
        queuey: ['f25bfb8fe200475c8a0532a9cbe7651e'],
        other: ['aaa', 'bbb'],
        third: ['ccc', 'ddd'],
      },
      storage: { backend: 'sqlite', path: '/etc/data/q.db' },
      host: '0.0.0.0',
      port: 0,
      bodyLimit: 2048,
      maxWait: 5,
      purgeInterval: 10_000,
    });
  });

  it('defaults to sqlite and takes a postgres url, from the environment too', () => {
    expect(parse('').storage).toEqual({ backend: 'sqlite' });
    expect(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: INI text with an ${ENV} reference
      parse('[storage]\nbackend = postgres\nurl = ${DB}\n', { DB: 'postgres://x/q' }).storage,
    ).toEqual({
      backend: 'postgres',
      url: 'postgres://x/q',
    });
  });

  it.each([
    [
      '[server]\nport = 70000\n',
      'server',
      'port',
      /port: expected an integer from 0 to 65535, got "70000"/,
    ],
    ['[server]\nbody_limit = big\n', 'server', 'body_limit', /body_limit: expected an integer/],
    ['[server]\nhots = x\n', 'server', 'hots', /unknown key; expected one of host, port/],
    ['[metlog]\nlogger = q\n', 'metlog', undefined, /unknown section \[metlog\]/],
    [
      '[storage]\nbackend = cassandra\n',
      'storage',
      'backend',
      /expected sqlite or postgres, got "cassandra"/,
    ],
    ['[storage]\nbackend = postgres\n', 'storage', 'url', /url: required when backend = postgres/],
    ['[application_keys]\nqueuey =\n', 'application_keys', 'queuey', /queuey: no key given/],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: INI text with an ${ENV} reference
    ['[storage]\nurl = ${NOPE}\n', 'storage', 'url', /environment variable NOPE is not set/],
  ])('rejects %j naming section and key', (text, section, key, message) => {
    const error = failure(text);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(message);
    expect(error.message).toContain(file);
    expect(error.section).toBe(section);
    expect(error.key).toBe(key);
  });

  it('rejects lines that are not INI', () => {
    expect(failure('just words\n').message).toMatch(/queuey\.ini:1: expected "\[section\]"/);
    expect(failure('port = 1\n').message).toMatch(/outside any \[section\]/);
  });
});
