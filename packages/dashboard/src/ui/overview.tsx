import type { Snapshot } from '../api-types.js';
import type { Live } from './api.js';
import { ThroughputChart } from './chart.js';
import { count, duration, perSecond } from './format.js';
import { Table } from './table.js';

function Stat({ label, value, warn }: { label: string; value: string; warn?: boolean }) {
  return (
    <div class={`stat${warn ? ' warn' : ''}`}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

export function Overview({ live, snapshot }: { live: Live; snapshot: Snapshot }) {
  const lag = snapshot.queues.reduce((s, q) => s + q.lag, 0);
  const lagSeconds = Math.max(0, ...snapshot.queues.map((q) => q.lagSeconds));
  const stalled = snapshot.partitions.filter((p) => p.state === 'stalled');
  const corrupt = snapshot.partitions.filter((p) => p.state === 'corrupt');
  return (
    <>
      <dl class="stats" aria-label="Totals">
        <Stat label="Queues" value={count(snapshot.queues.length)} />
        <Stat label="Partitions" value={count(snapshot.partitions.length)} />
        <Stat label="Messages" value={count(snapshot.queues.reduce((s, q) => s + q.count, 0))} />
        <Stat label="Lag (messages)" value={count(lag)} warn={lag > 0} />
        <Stat label="Oldest unprocessed" value={duration(lagSeconds)} warn={lagSeconds > 60} />
        <Stat label="Errors" value={count(snapshot.errors)} warn={snapshot.errors > 0} />
        <Stat
          label="Stalled / corrupt"
          value={`${stalled.length} / ${corrupt.length}`}
          warn={stalled.length + corrupt.length > 0}
        />
      </dl>
      <ThroughputChart points={live.points} />
      {stalled.length + corrupt.length > 0 && (
        <section aria-labelledby="trouble">
          <h2 id="trouble">Partitions that need attention</h2>
          <ul>
            {[...corrupt, ...stalled].map((p) => (
              <li key={p.name}>
                <a href={`#/queue/${encodeURIComponent(p.queue)}`}>{p.name}</a>: {p.state}
                {p.corrupt
                  ? ` (${p.corrupt})`
                  : ` for ${duration(p.lagSeconds)} with ${count(p.lag)} waiting`}
              </li>
            ))}
          </ul>
        </section>
      )}
      <Table
        caption="Queues"
        columns={[
          'Queue',
          { label: 'Partitions', num: true },
          { label: 'Messages', num: true },
          { label: 'Lag (msgs)', num: true },
          { label: 'Lag (time)', num: true },
          { label: 'Rate', num: true },
          { label: 'Expired unprocessed', num: true },
          'Problems',
        ]}
        rows={snapshot.queues}
        empty="No queues yet."
        row={(q) => (
          <tr key={q.name} data-queue={q.name}>
            <th scope="row">
              <a href={`#/queue/${encodeURIComponent(q.name)}`}>{q.name}</a>
            </th>
            <td class="num">{q.partitions}</td>
            <td class="num">{count(q.count)}</td>
            <td class="num" data-testid="queue-lag">
              {count(q.lag, q.lagCapped)}
            </td>
            <td class="num">{duration(q.lagSeconds)}</td>
            <td class="num">{perSecond(q.rate)}</td>
            <td class="num">{count(q.expired)}</td>
            <td>
              {q.stalled + q.corrupt + q.purgedUnprocessed === 0
                ? 'none'
                : [
                    q.stalled && `${q.stalled} stalled`,
                    q.corrupt && `${q.corrupt} corrupt`,
                    q.purgedUnprocessed && `${q.purgedUnprocessed} expiring unprocessed`,
                  ]
                    .filter(Boolean)
                    .join(', ')}
            </td>
          </tr>
        )}
      />
    </>
  );
}
