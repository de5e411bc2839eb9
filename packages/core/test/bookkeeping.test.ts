import { describe, expect, it } from 'vitest';
import {
  BOOKKEEPING_PARTITIONS,
  ERROR_QUEUE,
  ensureBookkeepingQueues,
  STATUS_QUEUE,
} from '../src/index.js';
import { useQueuey } from './helpers.js';

const q = useQueuey();

/** Partition count by queue name, as the server lists them. */
async function partitions(): Promise<Map<string, number | undefined>> {
  const list = await q.client.listQueues({ details: true });
  return new Map(list.map((info) => [info.queue_name, info.partitions]));
}

describe('ensureBookkeepingQueues', () => {
  it('creates the missing bookkeeping queue with 7 partitions and leaves one that exists as it is', async () => {
    // A create is an upsert: creating qdo_error again would cut it back to 7.
    await q.client.createQueue({ queueName: ERROR_QUEUE, partitions: 12 });
    await ensureBookkeepingQueues(q.client);
    const after = await partitions();
    expect(after.get(STATUS_QUEUE)).toBe(BOOKKEEPING_PARTITIONS);
    expect(after.get(ERROR_QUEUE)).toBe(12);
  });

  it('with `only`, makes that one alone; with `existing`, trusts what the caller listed', async () => {
    await ensureBookkeepingQueues(q.client, { only: ERROR_QUEUE });
    expect([...(await partitions()).keys()]).toEqual([ERROR_QUEUE]);
    await ensureBookkeepingQueues(q.client, { existing: new Set([STATUS_QUEUE, ERROR_QUEUE]) });
    expect([...(await partitions()).keys()]).toEqual([ERROR_QUEUE]);
    await ensureBookkeepingQueues(q.client, { existing: new Set([ERROR_QUEUE]) });
    expect(await partitions()).toEqual(
      new Map([
        [ERROR_QUEUE, BOOKKEEPING_PARTITIONS],
        [STATUS_QUEUE, BOOKKEEPING_PARTITIONS],
      ]),
    );
  });
});
