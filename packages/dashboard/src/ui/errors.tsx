import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ErrorGroupView, ErrorView } from '../api-types.js';
import { act, getJson, info } from './api.js';
import { ErrorGroups, NOT_RECORDED } from './error-groups.js';
import { InputField } from './field.js';
import { time } from './format.js';
import { Notice, useAction } from './notice.js';
import { Table } from './table.js';

/** A purge waiting for its confirmation: what it deletes, and the request that does it. */
type PendingPurge = { text: string; path: string; body: Record<string, unknown> };

export function ErrorsPage({ total }: { total: number }) {
  const [rows, setRows] = useState<ErrorView[] | undefined>();
  const [groups, setGroups] = useState<ErrorGroupView[] | undefined>();
  const [filter, setFilter] = useState('');
  const [pending, setPending] = useState<PendingPurge>();
  const action = useAction();
  const { setNotice } = action;
  const dialog = useRef<HTMLDialogElement>(null);

  const load = useCallback(async () => {
    const query = filter ? `?queue=${encodeURIComponent(filter)}` : '';
    try {
      const [listed, grouped] = await Promise.all([
        getJson<ErrorView[]>(`/api/errors${query}`),
        getJson<ErrorGroupView[]>(`/api/errors/groups${query}`),
      ]);
      setRows(listed);
      setGroups(grouped);
    } catch (error) {
      setNotice({ ok: false, text: `Could not list errors: ${(error as Error).message}` });
    }
  }, [filter]);
  // The list follows the live error count, so new failures show up by themselves.
  useEffect(() => {
    void load();
  }, [load, total]);

  const run = async (what: string, path: string, body: unknown) => {
    await action.run(
      what,
      () => act<{ replayed?: number; purged?: number }>(path, body),
      (r) => {
        const n = r.replayed ?? r.purged ?? 0;
        return `${what} ${n} message${n === 1 ? '' : 's'}`;
      },
    );
    await load();
  };
  const scope = filter ? { queue: filter } : {};
  const confirm = (purge: PendingPurge) => {
    setPending(purge);
    dialog.current?.showModal();
  };
  const groupBody = (g: ErrorGroupView) => ({ ...scope, name: g.name, pattern: g.pattern });

  return (
    <>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <InputField
          id="errors-only-queue-or-partition"
          label="Only queue or partition"
          value={filter}
          placeholder="e.g. orders or orders-2"
          onValue={setFilter}
        />
        <button type="submit">Show</button>
        {!info.readOnly && (
          <>
            <button
              type="button"
              disabled={!rows?.length}
              onClick={() => run('Replayed', '/api/errors/replay', { ...scope, all: true })}
            >
              Replay all{filter ? ` from ${filter}` : ''}
            </button>
            <button
              type="button"
              class="danger"
              disabled={!rows?.length}
              onClick={() =>
                confirm({
                  text: filter
                    ? `the failed messages of ${filter}`
                    : `all ${rows?.length ?? 0} failed messages`,
                  path: '/api/errors/purge',
                  body: { ...scope, confirm: 'purge' },
                })
              }
            >
              Purge{filter ? ` ${filter}` : ' all'}…
            </button>
          </>
        )}
      </form>
      <Notice state={action.notice} />
      <ErrorGroups
        groups={groups}
        queue={filter}
        onReplay={(g) => run('Replayed', '/api/errors/group/replay', groupBody(g))}
        onPurge={(g) =>
          confirm({
            text: `the ${g.count} failed message${g.count === 1 ? '' : 's'} of the group ${g.name} ${g.pattern}`,
            path: '/api/errors/group/purge',
            body: { ...groupBody(g), confirm: 'purge' },
          })
        }
      />
      <FailureTable rows={rows} run={run} />
      <dialog ref={dialog} aria-labelledby="purge-title">
        <form
          method="dialog"
          onSubmit={(e) => {
            const why = (e.submitter as HTMLButtonElement | null)?.value;
            if (why === 'purge' && pending) void run('Purged', pending.path, pending.body);
          }}
        >
          <h2 id="purge-title">Purge failed messages?</h2>
          <p>
            This deletes {pending?.text ?? ''} from qdo_error for good. They cannot be replayed
            afterwards.
          </p>
          <div class="row">
            <button type="submit" value="cancel" class="plain" autofocus>
              Cancel
            </button>
            <button type="submit" value="purge" class="danger">
              Purge for good
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

/** One row per failure; its error expands to the saved stack. */
function FailureTable({
  rows,
  run,
}: {
  rows: readonly ErrorView[] | undefined;
  run: (what: string, path: string, body: unknown) => Promise<void>;
}) {
  return (
    <Table
      id="failures"
      caption={
        <>
          Failed messages in qdo_error
          {rows ? ` (${rows.length}${rows.length >= 500 ? '+' : ''})` : ''}
        </>
      }
      columns={[
        'Failed at',
        'Source partition',
        'Message id',
        'Error',
        { label: 'Attempts', num: true },
        'Body',
        !info.readOnly && 'Action',
      ]}
      rows={rows}
      empty="No failed messages."
      row={(r) => (
        <tr key={r.errorId} data-error={r.errorId}>
          <td>{time(r.failedAt)}</td>
          <td>{r.queue}</td>
          <td>
            <code>{r.messageId}</code>
          </td>
          <td data-testid="error">
            <ErrorCell row={r} />
          </td>
          <td class="num" data-testid="attempts">
            {r.error ? r.error.attempts : '–'}
          </td>
          <td>
            <code class="body">{r.body}</code>
          </td>
          {!info.readOnly && (
            <td>
              <button
                type="button"
                aria-label={`Replay ${r.messageId} to ${r.queue}`}
                onClick={() => run('Replayed', '/api/errors/replay', { ids: [r.errorId] })}
              >
                Replay
              </button>
            </td>
          )}
        </tr>
      )}
    />
  );
}

function ErrorCell({ row }: { row: ErrorView }) {
  const { error } = row;
  if (!error) return <span class="muted">{NOT_RECORDED}</span>;
  return (
    <details>
      <summary>
        <strong data-testid="error-name">{error.name}</strong>
        {error.code ? ` [${error.code}]` : ''}:{' '}
        <span data-testid="error-message">{error.message}</span>
      </summary>
      <pre class="stack" data-testid="stack">
        {error.stack || '(no stack saved)'}
        {error.worker ? `\n(worker ${error.worker})` : ''}
      </pre>
    </details>
  );
}
