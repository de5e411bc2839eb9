import { readFileSync } from 'node:fs';
import { startZkServer, type ZkServer } from '@qdo/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderBreaks, useCluster } from './support/cluster.js';
import { waitFor } from './support/helpers.js';
import { overlaps } from './support/workers.js';

// A server of its own, which this file wipes (QDO_TEST_ZK cannot be wiped from here).
let server: ZkServer;
beforeAll(async () => {
  server = await startZkServer({ tickTime: 100 });
});
afterAll(async () => {
  await server?.close();
});

const SESSION_TIMEOUT = 1000;
const cluster = useCluster({ partyWait: 0.5, sessionTimeout: SESSION_TIMEOUT, jobMs: 10 });

describe('when ZooKeeper loses its data under running workers', () => {
  it('every worker drops its old session, joins with a fresh one, and every partition drains within 45 s of the restart, with no overlap', async () => {
    const ids = await cluster.fill(['d1', 'd2', 'd3', 'd4'], 4, 150);
    const zookeeper = `${server.connection}/wiped`;
    const names = ['w1', 'w2', 'w3'];
    const workers = names.map((name) => cluster.start(name, { zookeeper }));
    await cluster.busy(names, 5, 'all three workers are busy');
    await server.wipe();
    const downAt = Date.now();
    // Down long enough for every worker to notice and for the sessions to
    // have expired; the restarted server knows none of them, nor their zxids.
    await waitFor(() => Date.now() - downAt > 3 * SESSION_TIMEOUT, 'the server stays down', 10_000);
    // ZooKeeper may serve (and the workers rejoin) before start() sees it
    // ready: under load that takes a second or more, so "down" ends here.
    const startingAt = Date.now();
    await server.start();
    const upAt = Date.now();
    await cluster.drained(ids, 45_000);
    const drainedIn = Date.now() - upAt;
    const resumedIn =
      Math.min(
        ...cluster
          .records()
          .map((r) => r.start)
          .filter((t) => t > startingAt),
      ) - startingAt;
    const sockets = socketsOn(server.port);
    const dropped = workers.map((w) => w.output.includes('refuses to resume our session'));
    await cluster.stopAll();

    const records = cluster.records();
    expect(overlaps(records)).toEqual([]);
    expect(orderBreaks(records, ids)).toEqual([]);
    expect(dropped, 'each worker said it dropped the old session').toEqual(names.map(() => true));
    // Three sessions (both ends of each), not one socket per refused attempt.
    // (TIME_WAIT included: a refused attempt's socket lingers, so does every readiness probe's.)
    expect(sockets, 'TCP sockets on ZooKeeper’s port').toBeLessThan(150);
    expect(
      records.filter((r) => r.start > downAt + 200 && r.start < startingAt),
      'jobs started while ZooKeeper was down',
    ).toEqual([]);
    console.info(
      `ZooKeeper wiped and restarted: the first job ran ${resumedIn} ms after its process started (ready after ${upAt - startingAt} ms), every partition drained ${drainedIn} ms after it was ready; ${sockets} sockets on its port`,
    );
  }, 120_000);
});

/** TCP sockets of this host (any state, TIME_WAIT included) with `port` at either end. */
function socketsOn(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let count = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local = '', remote = ''] = line.trim().split(/\s+/);
      if (local.endsWith(hex) || remote.endsWith(hex)) count++;
    }
  }
  return count;
}
