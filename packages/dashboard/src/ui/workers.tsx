import type { PartyView, Snapshot } from '../api-types.js';
import { perSecond, time } from './format.js';
import { Table } from './table.js';

export function WorkersPage({
  snapshot,
  goneSeconds,
}: {
  snapshot: Snapshot;
  goneSeconds: number;
}) {
  return (
    <>
      <Table
        caption="Workers, by the last_worker of each partition's status"
        columns={[
          'Worker',
          'Host',
          { label: 'PID', num: true },
          'State',
          'Started',
          'First seen',
          'Last seen',
          { label: 'Partitions', num: true },
          'Held',
          { label: 'Rate', num: true },
        ]}
        rows={snapshot.workers}
        empty="No worker has committed progress yet."
        row={(w) => (
          <tr key={w.name} data-worker={w.name}>
            <th scope="row">{w.name}</th>
            <td data-testid="host">{w.host ?? '–'}</td>
            <td class="num" data-testid="pid">
              {w.pid ?? '–'}
            </td>
            <td>
              <span class={`state ${STATE_CLASS[w.state]}`} data-testid="worker-state">
                {w.state}
              </span>
            </td>
            <td data-testid="started">{time(w.startedAt)}</td>
            <td data-testid="first-seen">{time(w.firstSeen)}</td>
            <td data-testid="last-seen">{time(w.lastSeen)}</td>
            <Held partitions={w.partitions} />
            <td class="num">{perSecond(w.rate)}</td>
          </tr>
        )}
      />
      <p class="hint">
        A partition counts for the worker that last committed its progress. Host and PID come from
        the worker's name; Started from its status messages (– for workers older than this
        dashboard); First seen is when this dashboard first saw it. Last seen is its latest sign of
        life: the write time of a status message of its (or, from older workers, one changing), the
        posting time of the message it last committed, or its place in ZooKeeper's party. Not seen
        for {goneSeconds} s, a worker is <em>gone</em> when work waits in its partitions or it holds
        none any more, and <em>idle</em> when its partitions are caught up (an idle worker writes
        nothing).
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

const STATE_CLASS = { active: 'working', idle: 'idle', gone: 'stalled' } as const;

/** The cells for a set of partitions: how many, then which. */
function Held({ partitions }: { partitions: readonly string[] }) {
  return (
    <>
      <td class="num">{partitions.length}</td>
      <td>{partitions.join(', ')}</td>
    </>
  );
}
