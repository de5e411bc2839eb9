import { describe, expect, it } from 'vitest';
import type { ServerLogger } from '../src/log.js';
import { isLoopback, startServer } from '../src/server.js';
import { KEY } from './support/http-fixture.js';

function recording() {
  const warnings: string[] = [];
  const logger: ServerLogger = {
    error: () => {},
    warn: (message) => warnings.push(message),
    info: () => {},
    debug: () => {},
  };
  return { logger, warnings };
}

describe('plain HTTP off loopback', { timeout: 20_000 }, () => {
  it('is warned about when binding all interfaces, not on loopback', async () => {
    const open = recording();
    const all = await startServer({
      host: '0.0.0.0',
      port: 0,
      db: ':memory:',
      applications: { queuey: KEY },
      logger: open.logger,
    });
    await all.close();
    expect(open.warnings).toEqual([expect.stringMatching(/plain HTTP on a non-loopback address/)]);

    const local = recording();
    const loop = await startServer({
      port: 0,
      db: ':memory:',
      applications: { queuey: KEY },
      logger: local.logger,
    });
    await loop.close();
    expect(local.warnings).toEqual([]);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
  ])('isLoopback(%s) is %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});
