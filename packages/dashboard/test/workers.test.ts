import { describe, expect, test } from 'vitest';
import type { PartitionView } from '../src/api-types.js';
import { parseWorkerName, WorkerLog } from '../src/server/workers.js';

const partition = (name: string, worker: string, position: string, lag: number) =>
  ({ name, worker, position, lag, positionPostedAt: undefined }) as unknown as PartitionView;

describe('workers', () => {
  test("host and pid come from core's workerName form, with or without a name", () => {
    expect(parseWorkerName('web-01-1234')).toEqual({ host: 'web-01', pid: 1234 });
    expect(parseWorkerName('web-01-1234-orders')).toEqual({ host: 'web-01', pid: 1234 });
    expect(parseWorkerName('dashboard@vm')).toEqual({});
  });

  test('active while its status changes; idle when caught up; gone when work waits or it was replaced', () => {
    const log = new WorkerLog(1000, 60_000);
    const load = (name: string, ...partitions: string[]) => ({ name, partitions, rate: 0 });
    const states = (views: { name: string; state: string }[]) =>
      Object.fromEntries(views.map((v) => [v.name, v.state]));
    log.update(
      0,
      [load('a-1', 'q-1'), load('b-2', 'q-2')],
      [partition('q-1', 'a-1', 'p1', 0), partition('q-2', 'b-2', 'p1', 0)],
    );
    // a moves on; b does not, and work waits in its partition.
    let views = log.update(
      500,
      [load('a-1', 'q-1'), load('b-2', 'q-2')],
      [partition('q-1', 'a-1', 'p2', 0), partition('q-2', 'b-2', 'p1', 3)],
    );
    expect(views.find((v) => v.name === 'a-1')?.lastSeen).toBe(new Date(500).toISOString());
    views = log.update(
      2000,
      [load('a-1', 'q-1'), load('b-2', 'q-2')],
      [partition('q-1', 'a-1', 'p2', 0), partition('q-2', 'b-2', 'p1', 3)],
    );
    expect(states(views)).toEqual({ 'a-1': 'idle', 'b-2': 'gone' });
    // c takes q-1 over: a holds nothing any more.
    views = log.update(
      3000,
      [load('c-3', 'q-1'), load('b-2', 'q-2')],
      [partition('q-1', 'c-3', 'p3', 0), partition('q-2', 'b-2', 'p1', 3)],
    );
    expect(states(views)).toEqual({ 'a-1': 'gone', 'b-2': 'gone', 'c-3': 'active' });
    // In ZooKeeper's party: alive, whatever its partitions say.
    views = log.update(4000, [load('b-2', 'q-2')], [partition('q-2', 'b-2', 'p1', 3)], ['b-2']);
    expect(states(views)['b-2']).toBe('active');
  });

  test("a status message's own write time and its writer's start, when it says them", () => {
    const log = new WorkerLog(1000, 60_000);
    const p = {
      ...partition('q-1', 'a-1', 'p1', 0),
      workerStarted: new Date(100).toISOString(),
      statusWrittenAt: new Date(700).toISOString(),
    };
    const [view] = log.update(900, [{ name: 'a-1', partitions: ['q-1'], rate: 0 }], [p]);
    expect(view).toMatchObject({
      startedAt: new Date(100).toISOString(),
      lastSeen: new Date(700).toISOString(),
      firstSeen: new Date(900).toISOString(),
      state: 'active',
    });
  });
});
