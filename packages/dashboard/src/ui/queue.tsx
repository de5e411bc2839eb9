import { useState } from 'preact/hooks';
import type { PartitionView, Snapshot } from '../api-types.js';
import { act, info } from './api.js';
import { InputField, SelectField } from './field.js';
import { count, duration, perSecond, shortId, time } from './format.js';
import { Notice, useAction } from './notice.js';
import { Peek } from './peek.js';
import { Table } from './table.js';

/** Failed messages' queue: not a work queue, but browsable. */
export const ERROR_QUEUE = 'qdo_error';

function SeekForm({ partitions }: { partitions: PartitionView[] }) {
  const [partition, setPartition] = useState(partitions[0]?.name ?? '');
  const [to, setTo] = useState('end');
  const [id, setId] = useState('');
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    await action.run(
      'Seek',
      () => act<{ processed: string }>('/api/seek', { partition, to, id }),
      (r) => `${partition} now starts after ${r.processed || 'the beginning'}`,
    );
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="seek-title">
      <h2 id="seek-title">Seek a partition</h2>
      <p class="hint">
        Writes the partition's position as <code>qdo seek</code> does: the worker that holds the
        partition starts again from there.
      </p>
      <div class="row">
        <SelectField id="seek-partition" label="Partition" value={partition} onValue={setPartition}>
          {partitions.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
            </option>
          ))}
        </SelectField>
        <SelectField id="seek-move-to" label="Move to" value={to} onValue={setTo}>
          <option value="end">the newest message (skip the backlog)</option>
          <option value="start">the beginning (process everything again)</option>
          <option value="id">after a message id</option>
        </SelectField>
        {to === 'id' && (
          <InputField
            id="seek-message-id"
            label="Message id"
            value={id}
            onValue={setId}
            required
            pattern="[0-9a-fA-F-]{32,36}"
            size={34}
          />
        )}
        <button type="submit" disabled={action.busy || info.readOnly || !partition}>
          Seek
        </button>
      </div>
      <Notice state={action.notice} />
    </form>
  );
}

/** Pause or Resume for one partition, as `qdo pause` / `qdo resume` do. */
function PauseButton({ p, action }: { p: PartitionView; action: ReturnType<typeof useAction> }) {
  const verb = p.paused ? 'Resume' : 'Pause';
  const click = () =>
    action.run(
      verb,
      () => act<unknown>(p.paused ? '/api/resume' : '/api/pause', { partition: p.name }),
      () =>
        p.paused
          ? `${p.name} resumed: its worker goes on from ${shortId(p.position) || 'the beginning'}`
          : `${p.name} paused: its worker finishes the job in hand and starts no other`,
    );
  return (
    <button type="button" data-testid="pause" disabled={action.busy} onClick={click}>
      {verb}
    </button>
  );
}

export function QueuePage({ snapshot, name }: { snapshot: Snapshot; name: string }) {
  const queue = snapshot.queues.find((q) => q.name === name);
  const partitions = snapshot.partitions.filter((p) => p.queue === name);
  const pausing = useAction(); // before any early return: hooks run in the same order
  if (name === ERROR_QUEUE)
    return (
      <>
        <p>
          qdo_error holds the failed messages ({count(snapshot.errors)}), each a JSON copy of the
          message with its source partition and error; the Errors page reads them.
        </p>
        <Peek queue={name} partitions={undefined} />
      </>
    );
  if (!queue) return <p>No queue named {name}.</p>;
  const hasPurged = queue.purged !== undefined;
  return (
    <>
      <p>
        {queue.partitions} partition{queue.partitions === 1 ? '' : 's'}, {count(queue.count)} live
        messages, lag {count(queue.lag, queue.lagCapped)} ({duration(queue.lagSeconds)}),{' '}
        {perSecond(queue.rate)}.
      </p>
      <Table
        caption={`Partitions of ${name}`}
        columns={[
          'Partition',
          'State',
          'Position',
          'Last worker',
          'Last moved',
          'Position posted at',
          { label: 'Lag (msgs)', num: true },
          { label: 'Lag (time)', num: true },
          { label: 'Rate', num: true },
          { label: 'Expired unprocessed (seen)', num: true },
          hasPurged && { label: 'Purged at expiry (server)', num: true },
          !info.readOnly && 'Pause',
        ]}
        rows={partitions}
        row={(p) => (
          <tr key={p.name} data-partition={p.name}>
            <th scope="row">{p.name}</th>
            <td>
              <span
                class={`state ${p.state}`}
                data-testid="state"
                title={
                  p.corrupt ??
                  (p.stuck && `job stuck on ${p.stuck.message} since ${p.stuck.since}`) ??
                  (p.paused && `paused by ${p.paused.by} since ${p.paused.since}`)
                }
              >
                {p.stuck ? `${p.state}, stuck` : p.state}
              </span>
            </td>
            <td>
              <code title={p.position} data-testid="position">
                {shortId(p.position)}
              </code>
            </td>
            <td>{p.worker ?? '–'}</td>
            <td>{time(p.movedAt)}</td>
            <td>{time(p.positionPostedAt)}</td>
            <td class="num" data-testid="lag">
              {count(p.lag, p.lagCapped)}
            </td>
            <td class="num">{duration(p.lagSeconds)}</td>
            <td class="num">{perSecond(p.rate)}</td>
            <td class="num" data-testid="expired">
              {count(p.expired)}
            </td>
            {hasPurged && (
              <td class="num" data-testid="purged">
                {p.purged ? count(p.purged.count) : '–'}
                {p.purgedUnprocessed && (
                  <>
                    {' '}
                    <span
                      class="state corrupt"
                      data-testid="purged-unprocessed"
                      title={`newest purged: ${p.purged?.lastId ?? ''}`}
                    >
                      newest unprocessed
                    </span>
                  </>
                )}
              </td>
            )}
            {!info.readOnly && (
              <td>
                <PauseButton p={p} action={pausing} />
              </td>
            )}
          </tr>
        )}
      />
      <Notice state={pausing.notice} />
      <p class="hint">
        "Last moved" is when this dashboard saw the position change. "Expired unprocessed (seen)"
        counts waiting messages that vanished (TTL or a delete) while this dashboard watched.
        {hasPurged &&
          ' "Purged at expiry" is the server\'s exact count of messages its purge removed because their TTL ran out, processed or not; "newest unprocessed" marks a partition whose newest purged message is after its position, so it expired before any worker processed it.'}
      </p>
      <Peek
        key={name}
        queue={name}
        partitions={queue.partitions}
        positions={Object.fromEntries(partitions.map((p) => [String(p.partition), p.position]))}
      />
      {!info.readOnly && <SeekForm partitions={partitions} />}
    </>
  );
}
