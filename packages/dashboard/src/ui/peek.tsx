import { useCallback, useEffect, useState } from 'preact/hooks';
import type { PeekView } from '../api-types.js';
import { getJson } from './api.js';
import { InputField, SelectField } from './field.js';
import { shortId, time } from './format.js';
import { Table } from './table.js';

/** The next messages of a partition after its committed position: read only, never moves it. */
export function Peek({
  queue,
  partitions,
  positions = {},
}: {
  queue: string;
  partitions: number | undefined;
  /** Each partition's position in the live snapshot: the peek follows it. */
  positions?: Readonly<Record<string, string>>;
}) {
  const [partition, setPartition] = useState('1');
  const [limit, setLimit] = useState('20');
  const [view, setView] = useState<PeekView>();
  const [problem, setProblem] = useState<string>();
  const position = positions[partition];
  const load = useCallback(async () => {
    // `position` is a dependency only: a moved position is a new peek.
    void position;
    const query = new URLSearchParams({ queue, partition, limit });
    try {
      setView(await getJson<PeekView>(`/api/peek?${query}`));
      setProblem(undefined);
    } catch (error) {
      setProblem(`Could not peek: ${(error as Error).message}`);
    }
  }, [queue, partition, limit, position]);
  useEffect(() => {
    void load();
  }, [load]);
  const count = partitions ?? view?.partitions ?? 1;
  const shown = view?.queue === queue && String(view.partition) === partition ? view : undefined;
  return (
    <section class="panel" aria-labelledby="peek-title">
      <h2 id="peek-title">Next messages</h2>
      <p class="hint">
        The messages after the partition's committed position, as its worker reads them next (from
        the beginning when there is none). Reading them moves nothing.
      </p>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <SelectField
          id="peek-partition"
          label="Peek partition"
          value={partition}
          onValue={setPartition}
        >
          {Array.from({ length: count }, (_, i) => (
            <option key={i} value={String(i + 1)}>
              {`${queue}-${i + 1}`}
            </option>
          ))}
        </SelectField>
        <InputField
          id="peek-how-many"
          label="How many"
          type="number"
          min={1}
          max={100}
          value={limit}
          onValue={setLimit}
        />
        <button type="submit">Peek</button>
      </form>
      {problem && (
        <p class="notice bad" role="alert">
          {problem}
        </p>
      )}
      <Table
        id="peek"
        caption={
          shown
            ? `Next ${shown.messages.length}${shown.more ? '+' : ''} of ${queue}-${partition} after ${shown.position ? shortId(shown.position) : 'the beginning'}`
            : `Next messages of ${queue}-${partition}`
        }
        columns={['Message id', 'Posted at', 'Body']}
        rows={shown?.messages}
        empty="Nothing waits after the position."
        row={(m) => (
          <tr key={m.messageId} data-message={m.messageId}>
            <td>
              <code>{m.messageId}</code>
            </td>
            <td>{time(m.postedAt)}</td>
            <td>
              <code class="body" data-testid="peek-body">
                {m.body}
              </code>
            </td>
          </tr>
        )}
      />
    </section>
  );
}
