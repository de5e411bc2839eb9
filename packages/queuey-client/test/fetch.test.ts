import { afterEach, describe, expect, it } from 'vitest';
import { QueueyClient, QueueyError } from '../src/index.js';
import { KEY, startQueuey, stopAll, uniqueName } from './queuey.js';

afterEach(stopAll);

async function setup(disableExtensions?: string[]) {
  const server = await startQueuey(disableExtensions ? { disableExtensions } : {});
  const client = new QueueyClient({ connection: server.root, appKey: KEY });
  const queue = uniqueName();
  await client.createQueue({ queueName: queue, partitions: 3 });
  return { client, queue };
}

describe('client.fetch (positions extension)', () => {
  it('reads several partitions, each strictly after its own position, typed as Message', async () => {
    const { client, queue } = await setup();
    const [a1, , b1] = await client.postMessages(queue, [
      { body: 'a1', partition: 1 },
      { body: 'a2', partition: 1 },
      { body: 'b1', partition: 2 },
      { body: 'b2', partition: 2 },
    ]);
    const messages = await client.fetch(queue, {
      positions: [
        { partition: 2, after: b1?.key },
        { partition: 1, after: a1?.key },
        { partition: 3 },
      ],
    });
    expect(messages.map((m) => [m.partition, m.body])).toEqual([
      [2, 'b2'],
      [1, 'a2'],
    ]);
    const limited = await client.fetch(queue, { positions: [{ partition: 1 }], limit: 1 });
    expect(limited.map((m) => m.body)).toEqual(['a1']);
  });

  it('tells onPartial which partitions the server budget cut or left unread (extension partial)', async () => {
    const server = await startQueuey({ maxAnswerBytes: 1000 });
    const client = new QueueyClient({ connection: server.root, appKey: KEY });
    const queue = uniqueName();
    await client.createQueue({ queueName: queue, partitions: 3 });
    const body = (tag: string) => tag.padEnd(400, '.');
    await client.postMessages(queue, [
      { body: body('a1'), partition: 1 },
      { body: body('a2'), partition: 1 },
      { body: body('a3'), partition: 1 },
      { body: body('c1'), partition: 3 },
    ]);
    const cut: number[][] = [];
    const positions = [{ partition: 1 }, { partition: 2 }, { partition: 3 }];
    const first = await client.fetch(queue, { positions, onPartial: (p) => cut.push(p) });
    expect(first.map((m) => m.body.slice(0, 2))).toEqual(['a1', 'a2']);
    expect(cut).toEqual([[1, 2, 3]]);
    // Read to the end of every partition: no call.
    const rest = await client.fetch(queue, {
      positions: [{ partition: 3 }, { partition: 1, after: first[1]?.message_id }],
      onPartial: (p) => cut.push(p),
    });
    expect(rest.map((m) => m.body.slice(0, 2))).toEqual(['c1', 'a3']);
    expect(cut).toHaveLength(1);
  });

  it('long-polls with wait and hands over what arrives after the positions', async () => {
    const { client, queue } = await setup();
    const [seen] = await client.postMessages(queue, [{ body: 'seen', partition: 1 }]);
    const held = client.fetch(queue, {
      positions: [{ partition: 1, after: seen?.key }, { partition: 2 }],
      wait: 20,
    });
    await client.postMessages(queue, [{ body: 'fresh', partition: 2 }]);
    expect((await held).map((m) => m.body)).toEqual(['fresh']);
  });

  it('stops a held long-poll when the signal aborts', async () => {
    const { client, queue } = await setup();
    const controller = new AbortController();
    const held = client.fetch(queue, {
      positions: [{ partition: 1 }],
      wait: 20,
      signal: controller.signal,
    });
    controller.abort(new Error('stop'));
    await expect(held).rejects.toThrow('stop');
  });

  it('checks its arguments before sending', async () => {
    const { client, queue } = await setup();
    await expect(client.fetch(queue, { positions: [] })).rejects.toBeInstanceOf(QueueyError);
    await expect(
      client.fetch(queue, { positions: [{ partition: 1, after: 'nope' }] }),
    ).rejects.toMatchObject({ code: 'QUEUEY_CLIENT_INVALID_ARGUMENT' });
    await expect(client.fetch(queue, { positions: [{ partition: 0 }] })).rejects.toMatchObject({
      code: 'QUEUEY_CLIENT_INVALID_ARGUMENT',
    });
  });

  it('is not advertised by a server that switched it off, which a caller checks first', async () => {
    const { client } = await setup(['positions']);
    expect((await client.extensions()).has('positions')).toBe(false);
  });
});
