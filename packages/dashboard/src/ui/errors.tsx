import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ErrorView } from '../api-types.js';
import { act, getJson, info } from './api.js';
import { InputField } from './field.js';
import { time } from './format.js';
import { Notice, useAction } from './notice.js';
import { Table } from './table.js';

export function ErrorsPage({ total }: { total: number }) {
  const [rows, setRows] = useState<ErrorView[] | undefined>();
  const [filter, setFilter] = useState('');
  const action = useAction();
  const { setNotice } = action;
  const dialog = useRef<HTMLDialogElement>(null);

  const load = useCallback(async () => {
    try {
      setRows(
        await getJson<ErrorView[]>(
          `/api/errors${filter ? `?queue=${encodeURIComponent(filter)}` : ''}`,
        ),
      );
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
              onClick={() => dialog.current?.showModal()}
            >
              Purge{filter ? ` ${filter}` : ' all'}…
            </button>
          </>
        )}
      </form>
      <Notice state={action.notice} />
      <Table
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
      <dialog ref={dialog} aria-labelledby="purge-title">
        <form
          method="dialog"
          onSubmit={(e) => {
            const why = (e.submitter as HTMLButtonElement | null)?.value;
            if (why === 'purge')
              void run('Purged', '/api/errors/purge', { ...scope, confirm: 'purge' });
          }}
        >
          <h2 id="purge-title">Purge failed messages?</h2>
          <p>
            This deletes{' '}
            {filter
              ? `the failed messages of ${filter}`
              : `all ${rows?.length ?? 0} failed messages`}{' '}
            from qdo_error for good. They cannot be replayed afterwards.
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
