import type { PartyView, Snapshot } from '../api-types.js';
import { perSecond } from './format.js';

export function WorkersPage({ snapshot }: { snapshot: Snapshot }) {
  return (
    <>
      <table>
        <caption>Workers, by the last_worker of each partition's status</caption>
        <thead>
          <tr>
            <th scope="col">Worker</th>
            <th scope="col" class="num">
              Partitions
            </th>
            <th scope="col">Held</th>
            <th scope="col" class="num">
              Rate
            </th>
          </tr>
        </thead>
        <tbody>
          {snapshot.workers.length === 0 && (
            <tr>
              <td colSpan={4}>No worker has committed progress yet.</td>
            </tr>
          )}
          {snapshot.workers.map((w) => (
            <tr key={w.name} data-worker={w.name}>
              <th scope="row">{w.name}</th>
              <td class="num">{w.partitions.length}</td>
              <td>{w.partitions.join(', ')}</td>
              <td class="num">{perSecond(w.rate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
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
      <table id="party">
        <caption>ZooKeeper's party at {party.connection} (automatic policy)</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col" class="num">
              Locks
            </th>
            <th scope="col">Partitions locked</th>
          </tr>
        </thead>
        <tbody>
          {party.members.length === 0 && (
            <tr>
              <td colSpan={3}>No worker is in the party.</td>
            </tr>
          )}
          {party.members.map((m) => (
            <tr key={m.name} data-member={m.name}>
              <th scope="row">{m.name}</th>
              <td class="num">{m.partitions.length}</td>
              <td>{m.partitions.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
