import type { ErrorGroupView } from '../api-types.js';
import { info } from './api.js';
import { time } from './format.js';
import { Table } from './table.js';

/** groupFailures' name for failures saved without their error (older versions). */
export const UNRECORDED = '(unknown)';
export const NOT_RECORDED = '(not recorded)';

const label = (g: ErrorGroupView) => (g.name === UNRECORDED ? NOT_RECORDED : g.name);

/** Failures grouped by error class and message pattern; each group replayed or purged at once. */
export function ErrorGroups({
  groups,
  queue,
  onReplay,
  onPurge,
}: {
  groups: readonly ErrorGroupView[] | undefined;
  queue: string;
  onReplay: (group: ErrorGroupView) => void;
  onPurge: (group: ErrorGroupView) => void;
}) {
  return (
    <Table
      id="error-groups"
      caption="Failures grouped by error (class and message, numbers and ids as <n> and <id>)"
      columns={[
        'Error',
        'Message pattern',
        { label: 'Count', num: true },
        'Partitions',
        'Latest',
        !info.readOnly && 'Action',
      ]}
      rows={groups}
      empty="No failed messages."
      row={(g) => (
        <tr key={`${g.name}\n${g.pattern}`} data-group={`${g.name}: ${g.pattern}`}>
          <th scope="row">{label(g)}</th>
          <td>
            <code title={g.example}>{g.pattern || '–'}</code>
          </td>
          <td class="num" data-testid="group-count">
            {g.count}
          </td>
          <td>{g.queues.join(', ')}</td>
          <td>{time(g.latestAt)}</td>
          {!info.readOnly && (
            <td class="actions">
              <button
                type="button"
                aria-label={`Replay the ${g.count} ${label(g)} ${g.pattern} failures${queue ? ` of ${queue}` : ''}`}
                onClick={() => onReplay(g)}
              >
                Replay group
              </button>
              <button
                type="button"
                class="danger"
                aria-label={`Purge the ${g.count} ${label(g)} ${g.pattern} failures${queue ? ` of ${queue}` : ''}…`}
                onClick={() => onPurge(g)}
              >
                Purge group…
              </button>
            </td>
          )}
        </tr>
      )}
    />
  );
}
