import { describe, expect, it } from 'vitest';
import { parseServerConfig } from '../src/config.js';
import { isQueueyServerError } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import { serveOptions } from '../src/serve-options.js';

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

  it('reads the PostgreSQL timeouts in seconds, and queuey serve passes them (flags win) to the pool', () => {
    const config = parse(
      '[storage]\nbackend = postgres\nurl = postgres://x/q\nstatement_timeout = 4\nacquire_timeout = 3\n',
    );
    expect(config.storage).toEqual({
      backend: 'postgres',
      url: 'postgres://x/q',
      statementTimeout: 4000,
      acquireTimeout: 3000,
    });
    const context = { env: {}, logger: createLogger({ level: 'error' }) };
    expect(serveOptions({}, config, context).postgresPool).toEqual({
      statementTimeout: 4000,
      connectionTimeout: 3000,
    });
    expect(serveOptions({ 'statement-timeout': '2' }, config, context).postgresPool).toMatchObject({
      statementTimeout: 2000,
    });
    expect(() => serveOptions({ 'acquire-timeout': '0.5' }, config, context)).toThrow(
      /^--acquire-timeout must be whole seconds from 1 to 3600, got "0.5"$/,
    );
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
    [
      '[metlog]\nlogger = q\n',
      'metlog',
      undefined,
      /queuey\.ini:1 \[metlog\]: unknown section; expected \[application_keys\]/,
    ],
    [
      '[storage]\nbackend = cassandra\n',
      'storage',
      'backend',
      /expected sqlite or postgres, got "cassandra"/,
    ],
    ['[storage]\nbackend = postgres\n', 'storage', 'url', /url: required when backend = postgres/],
    ['[application_keys]\nqueuey =\n', 'application_keys', 'queuey', /queuey: no key given/],
    [
      '[storage]\nbackend = postgres\nurl = postgres://x/q\nstatement_timeout = 0\n',
      'storage',
      'statement_timeout',
      /statement_timeout: expected an integer from 1 to 3600, got "0"/,
    ],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: INI text with an ${ENV} reference
    ['[storage]\nurl = ${NOPE}\n', 'storage', 'url', /environment variable NOPE is not set/],
  ])('rejects %j naming section and key', (text, section, key, message) => {
    const error = failure(text);
    expect(error.code).toBe('QUEUEY_SERVER_CONFIG_INVALID');
    expect(error.message).toMatch(message);
    expect(error.message).toContain(file);
    expect(error.section).toBe(section);
    expect(error.key).toBe(key);
  });

  it('rejects lines that are not INI', () => {
    expect(failure('just words\n').message).toMatch(
      /queuey\.ini:1: cannot parse line "just words": expected "key = value" or "\[section\]"/,
    );
    expect(failure('port = 1\n').message).toMatch(/line before any \[section\] header/);
  });

  it('reads the operations settings: timeouts in seconds, TLS and key files relative to the file, logging', () => {
    const config = parse(
      [
        '[server]',
        'max_connections = 100',
        'headers_timeout = 5',
        'request_timeout = 30',
        'keep_alive_timeout = 2',
        'tls_cert = tls/cert.pem',
        'tls_key = tls/key.pem',
        'app_key_file = keys',
        'log_format = JSON',
        'log_level = debug',
        'access_log = yes',
        'disable_extensions = positions',
        'max_held_waits = 60',
        'max_held_waits_per_key = 30',
        'max_anonymous_waits = 10',
        'max_anonymous_waits_per_client = 2',
        'wait_retry_after = 7',
      ].join('\n'),
    );
    expect(config).toMatchObject({
      maxConnections: 100,
      maxHeldWaits: 60,
      maxHeldWaitsPerKey: 30,
      maxAnonymousWaits: 10,
      maxAnonymousWaitsPerClient: 2,
      waitRetryAfter: 7,
      headersTimeout: 5000,
      requestTimeout: 30_000,
      keepAliveTimeout: 2000,
      tls: { cert: '/etc/queuey/tls/cert.pem', key: '/etc/queuey/tls/key.pem' },
      appKeyFile: '/etc/queuey/keys',
      logFormat: 'json',
      logLevel: 'debug',
      accessLog: true,
      disableExtensions: ['positions'],
    });
  });

  it('reports every problem at once, in line order, and never echoes a stray line of [application_keys]', () => {
    const error = failure(
      '[application_keys]\nsekrit-looking-line\n[server]\ntls_cert = c.pem\naccess_log = maybe\n',
    ) as unknown as { message: string; problems: { line?: number; key?: string }[] };
    expect(error.problems.map((p) => [p.line, p.key])).toEqual([
      [2, undefined],
      [3, 'tls_key'],
      [5, 'access_log'],
    ]);
    expect(error.message).toMatch(/has 3 problems/);
    expect(error.message).not.toContain('sekrit');
  });
});
