import { fileURLToPath } from 'node:url';
import type { NodeProcess } from '@qdo/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { startBin } from './spawn.js';

const appConfig = fileURLToPath(
  new URL('../../../apps/worker/etc/qdo-worker.conf', import.meta.url),
);
const running: NodeProcess[] = [];
afterEach(async () => {
  for (const cli of running.splice(0)) await cli[Symbol.asyncDispose]();
});

describe('the embedded default (apps/worker)', () => {
  it('prints URL, key and curl line, processes posted messages, also in a new queue, and stops on SIGTERM', async () => {
    using dir = tempDir({
      // The app's config as is, but on a temp database and a free port.
      'qdo.conf': `[DEFAULT]\nextends = ${appConfig}\n[qdo-worker]\nmetrics_port = 0\n[queuey]\nconnection = embedded:var/q.db\nembedded_port = 0\n`,
    });
    const worker = startBin('qdo-worker', ['-c', 'qdo.conf'], { cwd: dir.path });
    running.push(worker);
    const [, appRoot] = await worker.waitForOutput(
      /^Queuey \(embedded\): (http:\/\/127\.0\.0\.1:\d+\/v1\/queuey\/)$/m,
    );
    const [, key] = await worker.waitForLine(/^app key: ([0-9a-f]{32})$/);
    await worker.waitForOutput(
      /^post a message: curl -X POST -H 'Authorization: Application [0-9a-f]{32}' -d 'hello' http:\/\/127\.0\.0\.1:\d+\/v1\/queuey\/example$/m,
    );
    const [, metricsUrl] = await worker.waitForLine(/^metrics: (http:\S+\/metrics)$/);
    const auth = { Authorization: `Application ${key}` };

    const posted = await fetch(`${appRoot}example`, {
      method: 'POST',
      headers: auth,
      body: 'hello',
    });
    expect(posted.status).toBe(201);
    const { messages } = (await posted.json()) as { messages: { key: string }[] };
    const started = Date.now();
    await worker.waitForLine(new RegExp(`^${messages[0]?.key}: hello$`), { timeout: 10_000 });
    // long_poll: seen within a second or so, not after wait_interval
    expect(Date.now() - started).toBeLessThan(3_000);

    const created = await fetch(appRoot as string, {
      method: 'POST',
      headers: auth,
      body: new URLSearchParams({ queue_name: 'later' }),
    });
    expect(created.status).toBe(201);
    const later = await fetch(`${appRoot}later`, {
      method: 'POST',
      headers: auth,
      body: 'in a new queue',
    });
    const laterKey = ((await later.json()) as { messages: { key: string }[] }).messages[0]?.key;
    await worker.waitForLine(new RegExp(`^${laterKey}: in a new queue$`), { timeout: 10_000 });

    const metrics = await fetch(metricsUrl as string);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^qdo_\w+/m);

    expect((await worker.stop('SIGTERM')).code).toBe(0);
    expect(worker.stdout).toMatch(/^Messages processed: 2$/m);
  });
});
