import { createSaveFailedMessage, ErrorQueue } from '@qdo/failure';
import { QueueyClient } from '@qdo/queuey-client';
import { freePort } from '@qdo/test-utils';
import { describe, expect, test } from 'vitest';
import { APP_KEY, openPage, uniqueName, useDashboards } from './fixtures.js';

const dash = useDashboards();

/** Posts `bodies` to a new 1-partition queue and fails each through saveFailedMessage. */
async function failed(
  bodies: string[],
  errorOf: (body: string) => Error = () => new Error('boom'),
): Promise<{ queue: string; errorIds: string[] }> {
  const queue = uniqueName('failing');
  await dash.queuey.client.createQueue({ queueName: queue });
  await dash.queuey.client.postMessages(
    queue,
    bodies.map((body) => ({ body, partition: 1 })),
  );
  // The failures are on purpose: not logged.
  const save = createSaveFailedMessage({ logger: { error: () => undefined } });
  for (const m of await dash.queuey.client.messages(queue))
    await save(m, {}, `${queue}-1`, errorOf(m.body), dash.queuey.client);
  const errorIds: string[] = [];
  for await (const f of new ErrorQueue(dash.queuey.client).list({ queue }))
    errorIds.push(f.errorId);
  return { queue, errorIds };
}

/** How many failed messages qdo_error holds, over all its partitions. */
async function failures(): Promise<number> {
  let n = 0;
  for await (const _ of new ErrorQueue(dash.queuey.client).list()) n++;
  return n;
}

const noInternals = (text: string) => {
  expect(text).not.toMatch(/https?:\/\//);
  expect(text).not.toContain(new URL(dash.queuey.server.url).port);
  expect(text).not.toContain(APP_KEY);
};

describe("the user's mistakes are 4xx with a plain message", () => {
  test('posting to a missing queue is 404, to a partition it lacks 400', async () => {
    const act = await dash.actions();
    const q = uniqueName();
    await dash.queuey.client.createQueue({ queueName: q, partitions: 2 });
    const missing = await act('api/post', { queue: 'no-such-queue', body: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.error).toBe('there is no queue "no-such-queue"');
    const beyond = await act('api/post', { queue: q, body: 'x', partition: 50 });
    expect(beyond.status).toBe(400);
    expect(beyond.error).toBe(`"${q}" has 2 partitions: there is no partition 50`);
    for (const answer of [missing, beyond]) noInternals(answer.error);
    expect(await dash.queuey.client.messages(q)).toEqual([]);
  });

  test('seeking a partition that is no partition, or is missing, is 400 or 404 and moves nothing', async () => {
    const act = await dash.actions();
    const q = uniqueName();
    await dash.queuey.client.createQueue({ queueName: q, partitions: 2 });
    const cases: [unknown, number][] = [
      [{ partition: 'xss', to: 'start' }, 400],
      [{ partition: `${q}-1`, to: 'xss' }, 400],
      [{ partition: `${q}-1`, to: 'id', id: 'xss' }, 400],
      [{ partition: `${q}-9`, to: 'end' }, 400],
      [{ partition: `${q}-9`, to: 'start' }, 400],
      [{ partition: 'no-such-queue-1', to: 'end' }, 404],
      [{ partition: 'no-such-queue-1', to: 'start' }, 404],
    ];
    for (const [body, status] of cases) {
      const answer = await act('api/seek', body);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      noInternals(answer.error);
    }
    // No status was written for any of them.
    const statusQueue = await dash.queuey.client.listQueues({ offset: 'qdo_status', limit: 1 });
    if (statusQueue[0]?.queue_name === 'qdo_status')
      expect(await dash.queuey.client.messages('qdo_status')).toEqual([]);
  });

  test('a key an action does not know is 400 naming the keys it takes', async () => {
    const act = await dash.actions();
    const q = uniqueName();
    await dash.queuey.client.createQueue({ queueName: q });
    const post = await act('api/post', { queue: q, body: 'x', partiton: 1 });
    expect(post.status).toBe(400);
    expect(post.error).toBe(
      'unknown key "partiton": this action takes queue, body, partition, key, ttl, contentType',
    );
    expect(await dash.queuey.client.messages(q)).toEqual([]);
  });
});

describe('replay and purge say what they touch', () => {
  test('replay with a misspelled key is 400 and replays nothing', async () => {
    const { queue, errorIds } = await failed(['one', 'two']);
    const act = await dash.actions();
    const answer = await act('api/errors/replay', { id: errorIds[0] });
    expect(answer.status).toBe(400);
    expect(answer.error).toBe('unknown key "id": this action takes ids, all, queue');
    const nothing = await act('api/errors/replay', {});
    expect(nothing.status).toBe(400);
    expect(nothing.error).toMatch(/ids .* or all: true/);
    expect(await dash.queuey.client.messages(queue)).toHaveLength(2);
    expect(await failures()).toBe(2);
  });

  test('replay of ids replays those; all: true replays the rest', async () => {
    const { queue, errorIds } = await failed(['one', 'two', 'three']);
    const act = await dash.actions();
    const one = await act('api/errors/replay', { ids: [errorIds[1]] });
    expect(one.status, one.error).toBe(200);
    expect(one.result).toEqual({ replayed: 1 });
    const rest = await act('api/errors/replay', { all: true, queue });
    expect(rest.result).toEqual({ replayed: 2 });
    expect((await dash.queuey.client.messages(queue)).map((m) => m.body)).toEqual([
      'one',
      'two',
      'three',
      'two',
      'one',
      'three',
    ]);
  });

  test('replay into a queue deleted since is 409, says what happened, and keeps the failures', async () => {
    const { queue } = await failed(['orphan']);
    await dash.queuey.client.deleteQueue(queue);
    const act = await dash.actions();
    const answer = await act('api/errors/replay', { all: true, queue });
    expect(answer.status).toBe(409);
    expect(answer.error).toMatch(
      /^replay stopped after 0 message\(s\): Queuey: Queue of that name was not found/,
    );
    expect(answer.error).toMatch(/the rest are still in qdo_error$/);
    noInternals(answer.error);
    expect(await failures()).toBe(1);
  });

  test('purge with a misspelled queue filter is 400 and purges nothing', async () => {
    await failed(['keep']);
    const act = await dash.actions();
    const answer = await act('api/errors/purge', { confirm: 'purge', queu: 'other' });
    expect(answer.status).toBe(400);
    expect(answer.error).toMatch(/^unknown key "queu"/);
    expect(await failures()).toBe(1);
  });
});

describe("Queuey's failures are 502 without its URL", () => {
  test('a Queuey that cannot be reached', async () => {
    const port = await freePort();
    const gone = new QueueyClient({
      connection: `http://127.0.0.1:${port}/v1/queuey/`,
      appKey: APP_KEY,
      retries: 0,
    });
    const act = await dash.actions({ queuey: gone });
    const answer = await act('api/post', { queue: 'any', body: 'x' });
    expect(answer.status).toBe(502);
    expect(answer.error).toBe('Queuey could not be reached');
    expect(answer.error).not.toContain(String(port));
    // The page's own notice of a failed sample says the same, without the URL.
    const snapshot = (await (await fetch(new URL('api/snapshot', act.url))).json()) as {
      problem?: string;
    };
    expect(snapshot.problem).toBe('Queuey could not be reached');
  });

  test('a Queuey that refuses the app key', async () => {
    const wrongKey = new QueueyClient({
      connection: `${dash.queuey.server.url}/v1/queuey/`,
      appKey: '0'.repeat(32),
      retries: 0,
    });
    const act = await dash.actions({ queuey: wrongKey });
    const answer = await act('api/post', { queue: 'any', body: 'x' });
    expect(answer.status).toBe(502);
    expect(answer.error).toMatch(/^Queuey refused the dashboard's app key \(40[13]\)$/);
    noInternals(answer.error);
  });
});

describe('a group of failures (error class and message pattern)', () => {
  const mixed = () =>
    failed(['boom 1', 'boom 2', 'bad 3'], (body) =>
      body.startsWith('bad') ? new TypeError(body) : new Error(body),
    );

  test('replaying or purging a group with a misspelled key is 400 and touches nothing', async () => {
    const { queue } = await mixed();
    const act = await dash.actions();
    const replay = await act('api/errors/group/replay', { name: 'Error', patern: 'boom <n>' });
    expect(replay.status).toBe(400);
    expect(replay.error).toBe('unknown key "patern": this action takes name, pattern, queue');
    const purge = await act('api/errors/group/purge', {
      ...{ name: 'Error', pattern: 'boom <n>', confirm: 'purge' },
      queu: queue,
    });
    expect(purge.status).toBe(400);
    expect(purge.error).toMatch(
      /^unknown key "queu": this action takes name, pattern, queue, confirm$/,
    );
    const unconfirmed = await act('api/errors/group/purge', { name: 'Error', pattern: 'boom <n>' });
    expect(unconfirmed.status).toBe(400);
    expect(await failures()).toBe(3);
    expect(await dash.queuey.client.messages(queue)).toHaveLength(3);
  });

  test("a group's purge deletes that group's failures and no other", async () => {
    const { queue } = await mixed();
    const act = await dash.actions();
    const answer = await act('api/errors/group/purge', {
      ...{ name: 'Error', pattern: 'boom <n>', queue, confirm: 'purge' },
    });
    expect(answer).toMatchObject({ status: 200, result: { purged: 2 } });
    const left: string[] = [];
    for await (const f of new ErrorQueue(dash.queuey.client).list()) left.push(f.error?.name ?? '');
    expect(left).toEqual(['TypeError']);
  });

  test("a group's replay posts that group's messages back, and only those", async () => {
    const { queue } = await mixed();
    const act = await dash.actions();
    const answer = await act('api/errors/group/replay', { name: 'TypeError', pattern: 'bad <n>' });
    expect(answer).toMatchObject({ status: 200, result: { replayed: 1 } });
    expect((await dash.queuey.client.messages(queue)).map((m) => m.body)).toEqual([
      'boom 1',
      'boom 2',
      'bad 3',
      'bad 3',
    ]);
    expect(await failures()).toBe(2);
  });

  test('a peek with a key it does not take is 400; of a queue that is missing, 404', async () => {
    const d = await dash.serve();
    const { cookie } = await openPage(d.url);
    const get = async (query: string) => {
      const res = await fetch(new URL(`api/peek?${query}`, d.url), { headers: { cookie } });
      return { status: res.status, error: ((await res.json()) as { error?: string }).error };
    };
    expect(await get('queue=x&partiton=1')).toEqual({
      status: 400,
      error: 'unknown key "partiton": this action takes queue, partition, limit',
    });
    expect(await get('queue=no-such-queue')).toEqual({
      status: 404,
      error: 'there is no queue "no-such-queue"',
    });
    expect((await get('queue=x&limit=1000')).status).toBe(400);
  });
});
