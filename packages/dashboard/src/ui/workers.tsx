import type { PartyView, Snapshot } from '../api-types.js';
import { perSecond } from './format.js';
import { Table } from './table.js';

export function WorkersPage({ snapshot }: { snapshot: Snapshot }) {
  return (
    <>
      <Table
        caption="Workers, by the last_worker of each partition's status"
        columns={[
          'Worker',
          { label: 'Partitions', num: true },
          'Held',
          { label: 'Rate', num: true },
        ]}
        rows={snapshot.workers}
        empty="No worker has committed progress yet."
        row={(w) => (
          <tr key={w.name} data-worker={w.name}>
            <th scope="row">{w.name}</th>
            <Held partitions={w.partitions} />
            <td class="num">{perSecond(w.rate)}</td>
          </tr>
        )}
      />
      <p class="hint">
        A partition counts for the worker that last committed its progress; a stopped worker stays
        listed until another one commits.
      </p>
      {snapshot.party && <PartyTable party={snapshot.party} />}
    </>
  );
}

function PartyTable({ party }: { party: PartyView }) {
  return (
    <>
      {party.problem && (
        <p class="problem" role="status">
          {party.problem}
        </p>
      )}
      <Table
        id="party"
        caption={`ZooKeeper's party at ${party.connection} (automatic policy)`}
        columns={['Member', { label: 'Locks', num: true }, 'Partitions locked']}
        rows={party.members}
        empty="No worker is in the party."
        row={(m) => (
          <tr key={m.name} data-member={m.name}>
            <th scope="row">{m.name}</th>
            <Held partitions={m.partitions} />
          </tr>
        )}
      />
    </>
  );
}

/** The cells for a set of partitions: how many, then which. */
function Held({ partitions }: { partitions: readonly string[] }) {
  return (
    <>
      <td class="num">{partitions.length}</td>
      <td>{partitions.join(', ')}</td>
    </>
  );
}
