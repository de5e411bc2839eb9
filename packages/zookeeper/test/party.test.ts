import { afterEach, describe, expect, inject, it } from 'vitest';
import { readParty } from '../src/index.js';
import { Party, partitionsOf, uniqueConnection, waitFor } from './support/helpers.js';

const server = inject('zkConnection');
let party: Party | undefined;

afterEach(async () => {
  await party?.stopAll();
});

describe('readParty (read-only)', () => {
  it('lists the members, decoded, with the partitions whose locks they hold', async () => {
    const connection = uniqueConnection(server);
    expect(await readParty(connection, { connectTimeout: 5000 })).toEqual([]);
    party = new Party({ connection, partyWait: 0.3, sessionTimeout: 1000 });
    const all = partitionsOf(2, 3);
    const a = await party.join(all, { identifier: 'host a/1' });
    const b = await party.join(all, { identifier: 'host-b' });
    await waitFor(
      () => a.partitioner.owned().length === 3 && b.partitioner.owned().length === 3,
      'each holds three of the six partitions',
    );
    expect(await readParty(connection, { connectTimeout: 5000 })).toEqual([
      { identifier: 'host a/1', partitions: [...a.partitioner.owned()] },
      { identifier: 'host-b', partitions: [...b.partitioner.owned()] },
    ]);
    await b.partitioner.stop();
    const after = await readParty(connection, { connectTimeout: 5000 });
    expect(after.map((m) => m.identifier)).toEqual(['host a/1']);
  });
});
