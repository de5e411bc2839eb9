import type { NodeProcess } from '@qdo/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { startBin } from './spawn.js';

const running: NodeProcess[] = [];
afterEach(async () => {
  for (const cli of running.splice(0)) await cli[Symbol.asyncDispose]();
});

describe('qdo queuey serve', () => {
  it("runs @qdo/queuey-server's CLI with the same flags and stops on SIGTERM", async () => {
    using dir = tempDir();
    const key = 'abcdefabcdefabcdefabcdefabcdef12';
    const serve = startBin('qdo', [
      'queuey',
      'serve',
      '--port',
      '0',
      '--db',
      dir.file('s.db'),
      '--app-key',
      `queuey=${key}`,
    ]);
    running.push(serve);
    const [, url] = await serve.waitForOutput(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const response = await fetch(`${url}/v1/queuey/`, {
      headers: { Authorization: `Application ${key}` },
    });
    expect(response.status).toBe(200);
    expect((await serve.stop('SIGTERM')).code).toBe(0);
  });
});
