import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { duplicates, orderBreaks, useCluster } from './support/cluster.js';
import { waitFor } from './support/helpers.js';
import { overlaps } from './support/workers.js';

const PARTY_WAIT = 0.5;
const SESSION_TIMEOUT = 1000;
const BATCH = 5; // worker-child's batch size
const cluster = useCluster({ partyWait: PARTY_WAIT, sessionTimeout: SESSION_TIMEOUT, jobMs: 10 });

describe('handing partitions over between worker processes', () => {
  it('repeats nothing when a new worker joins and when the old owner stops with SIGTERM', async () => {
    const ids = await cluster.fill(['red', 'blue'], 4, 40);
    const first = cluster.start('w1');
    await waitFor(() => cluster.countBy('w1') >= 30, 'w1 is busy', 30_000);
    cluster.start('w2');
    await waitFor(() => cluster.countBy('w2') >= 10, 'w2 took a share', 30_000);
    const stoppedAt = Date.now();
    const exit = await first.stop('SIGTERM');
    expect(exit.code, exit.output).toBe(0);
    await cluster.drained(ids);
    await cluster.stopAll();

    const records = cluster.records();
    expect(duplicates(records)).toBe(0);
    expect(overlaps(records)).toEqual([]);
    expect(orderBreaks(records, ids)).toEqual([]);
    const w1Partitions = new Set(records.filter((r) => r.w === 'w1').map((r) => r.p));
    const handedOver = records.filter((r) => r.w === 'w2' && w1Partitions.has(r.p));
    expect(handedOver.length).toBeGreaterThan(0);
    const takeover = records.filter(
      (r) => r.w === 'w2' && r.start > stoppedAt && w1Partitions.has(r.p),
    );
    if (takeover.length > 0) {
      console.info(
        `graceful takeover after SIGTERM: ${Math.min(...takeover.map((r) => r.start)) - stoppedAt} ms`,
      );
    }
  });

  it('under churn (SIGKILL, SIGTERM, joins) loses nothing, keeps order, and repeats at most the uncommitted batches', async () => {
    const ids = await cluster.fill(['q1', 'q2', 'q3', 'q4'], 4, 40);
    const startedAt = Date.now();
    const [w1, w2, w3] = ['w1', 'w2', 'w3'].map((name) => cluster.start(name));
    const progress = async (more: number) => {
      const target = cluster.records().length + more;
      await waitFor(() => cluster.records().length >= target, `${target} messages ran`, 60_000);
    };
    await progress(60);
    w1?.child.kill('SIGKILL');
    cluster.start('w4');
    await progress(60);
    const exit = await w2?.stop('SIGTERM');
    expect(exit?.code, exit?.output).toBe(0);
    cluster.start('w5');
    await progress(60);
    w3?.child.kill('SIGKILL');
    await cluster.drained(ids);
    await cluster.stopAll();
    const elapsed = Date.now() - startedAt;

    const records = cluster.records();
    expect(orderBreaks(records, ids)).toEqual([]);
    expect(overlaps(records)).toEqual([]);
    // A SIGKILLed worker leaves at most its batch in hand and the read-ahead one per partition.
    const kills = 2;
    const share = Math.ceil(16 / 3);
    expect(duplicates(records)).toBeLessThanOrEqual(kills * share * 2 * BATCH);
    expect(elapsed).toBeLessThan(120_000);
    console.info(
      `churn: ${records.length} jobs for 640 messages, ${duplicates(records)} repeated, ${elapsed} ms`,
    );
  });

  it('never runs a message on two owners while one worker’s ZooKeeper link is silent past its session', async () => {
    const ids = await cluster.fill(['s1', 's2', 's3', 's4'], 4, 50);
    const { relay: proxy } = await cluster.startBehindRelay('silent', ['w2', 'w3']);
    const stalledAt = Date.now();
    proxy.stall();
    // The partitions the silent worker was running when its link went silent.
    const silentPartitions = cluster.workingOn('silent');
    expect(silentPartitions.length).toBeGreaterThan(0);
    const firstOther = (p: string) => cluster.takeover(p, 'silent', stalledAt);
    await waitFor(
      () =>
        Date.now() - stalledAt > SESSION_TIMEOUT * 2 &&
        silentPartitions.every((p) => firstOther(p) !== undefined),
      'the others take over the silent worker’s partitions',
      30_000,
    );
    const takeovers = silentPartitions.map((p) => ({ p, at: firstOther(p)?.start ?? 0 }));
    const silentEnd = (p: string, before: number) =>
      Math.max(
        0,
        ...cluster
          .records()
          .filter((r) => r.p === p && r.w === 'silent' && r.start < before)
          .map((r) => r.end),
      );
    const pausedAfter = Math.max(...takeovers.map(({ p, at }) => silentEnd(p, at))) - stalledAt;
    proxy.unstall();
    await cluster.drained(ids);
    await cluster.stopAll();

    const records = cluster.records();
    expect(overlaps(records)).toEqual([]);
    expect(orderBreaks(records, ids)).toEqual([]);
    // Per partition: the silent worker's last job ended before the new owner's first began.
    for (const { p, at } of takeovers) expect(silentEnd(p, at), p).toBeLessThanOrEqual(at);
    const first = Math.min(...takeovers.map(({ at }) => at)) - stalledAt;
    console.info(
      `silent stall: the silent worker's last job on its partitions ended ${pausedAfter} ms after the stall, the first takeover job started after ${first} ms`,
    );
  });

  it('after SIGSTOP past the session, the woken worker runs nothing it lost and its late commit moves no position back', async () => {
    const ids = await cluster.fill(['z1', 'z2'], 4, 80);
    const sleeper = cluster.start('sleeper');
    cluster.start('w2');
    await waitFor(
      () => cluster.countBy('sleeper') >= 10 && cluster.countBy('w2') >= 10,
      'both workers are busy',
      60_000,
    );
    const theirs = new Set(
      cluster
        .records()
        .filter((r) => r.w === 'sleeper')
        .map((r) => r.p),
    );
    sleeper.child.kill('SIGSTOP');
    // The signal lands a moment after kill() returns, and until then the
    // worker may still start a job: the freeze counts from its stopped state.
    await waitFor(() => isStopped(sleeper.child.pid), 'the sleeper is stopped', 5000);
    const stoppedAt = Date.now();
    await waitFor(
      () =>
        Date.now() - stoppedAt > SESSION_TIMEOUT * 2 &&
        cluster.records().some((r) => r.w === 'w2' && theirs.has(r.p) && r.start > stoppedAt),
      'w2 takes over the stopped worker’s partitions',
      30_000,
    );
    const rank = new Map(
      [...ids.values()].flatMap((list) => list.map((id, i) => [id, i] as const)),
    );
    const before = await cluster.positions(ids.keys());
    const wokenAt = Date.now();
    sleeper.child.kill('SIGCONT');
    // It rejoins (a new session, then partyWait) before it may own anything again.
    await waitFor(
      () => Date.now() - wokenAt > PARTY_WAIT * 1000 + 500,
      'the woken worker settles',
      5000,
    );
    const after = await cluster.positions(ids.keys());
    await cluster.drained(ids);
    await cluster.stopAll();

    const records = cluster.records();
    const early = records.filter(
      (r) => r.w === 'sleeper' && r.start >= wokenAt && r.start < wokenAt + PARTY_WAIT * 1000,
    );
    expect(early, 'jobs the woken worker started before it could own anything again').toEqual([]);
    // A job in hand when the process froze ends after it wakes; nothing can preempt it.
    // stoppedAt is read after the stop was seen, so a job whose start has the
    // same millisecond started before the freeze (a CI run met one).
    const inHand = (r: (typeof records)[number]) =>
      r.w === 'sleeper' && r.start <= stoppedAt && r.end >= wokenAt;
    const frozen = records.filter(inHand);
    expect(new Set(frozen.map((r) => r.p)).size).toBe(frozen.length);
    expect(overlaps(records.filter((r) => !inHand(r)))).toEqual([]);
    expect(orderBreaks(records, ids)).toEqual([]);
    for (const [name, position] of before) {
      expect(rank.get(after.get(name) ?? '') ?? -1, name).toBeGreaterThanOrEqual(
        rank.get(position) ?? -1,
      );
    }
    const final = await cluster.positions(ids.keys());
    for (const [name, list] of ids) expect(final.get(name), name).toBe(list[list.length - 1]);
  });
});

/** Whether the process is stopped by a signal (state T in /proc/PID/stat). */
function isStopped(pid: number | undefined): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
}
