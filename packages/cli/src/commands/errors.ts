import { ErrorQueue, type FailedMessage } from '@qdo/failure';
import { defineCommand } from '../cli/command.js';
import { clientFor, resolveTarget } from '../cli/connect.js';
import { table } from '../cli/table.js';
import { terminalJson } from '../cli/terminal.js';
import { ExitError, UsageError } from '../errors.js';

export const ERRORS_USAGE = `Usage: qdo errors ls [--queue Q] [--json]     failed messages kept in qdo_error
       qdo errors show ERROR_ID               one failed message, as JSON
       qdo errors replay [--queue Q] [ERROR_ID...]  post them back to their partition
       qdo errors purge [--queue Q] --yes     delete them
  --queue Q   only failures from queue Q or partition Q-N
  (all take -c FILE, --connection URLS, --app-key KEY)`;

const preview = (body: unknown) => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
};
const isoTime = (ts: string) => new Date(Number(ts) * 1000).toISOString();

/** As `qdo errors ls` lists them: the qdo_error partition, a colon, the 32-hex message id. */
const ERROR_ID = /^\d+:[0-9a-f]{32}$/i;

function checkIds(ids: readonly string[]): void {
  const bad = ids.find((id) => !ERROR_ID.test(id));
  if (bad !== undefined)
    throw new UsageError(
      `${JSON.stringify(bad)} is not an error id: expected PARTITION:MESSAGE_ID (32 hex digits), as qdo errors ls lists them`,
    );
}

export const errorsCommand = defineCommand(
  {
    name: 'qdo errors',
    usage: ERRORS_USAGE,
    actions: true,
    flags: { queue: 'string', json: 'boolean', yes: 'boolean' },
  },
  async ({ values, positionals }, io) => {
    const [action, ...ids] = positionals;
    checkIds(ids);
    const errors = new ErrorQueue(clientFor(resolveTarget(values, io)));
    const queue = values.queue ? { queue: values.queue } : {};
    switch (action) {
      case 'ls': {
        const rows: FailedMessage[] = [];
        for await (const failure of errors.list(queue)) rows.push(failure);
        if (values.json) io.stdout.write(`${terminalJson(rows)}\n`);
        else if (rows.length === 0) io.stdout.write('no failed messages\n');
        else
          io.stdout.write(
            `${table(
              ['ERROR ID', 'QUEUE', 'MESSAGE ID', 'FAILED AT', 'BODY'],
              rows.map((f) => [
                f.errorId,
                f.queue,
                f.message.message_id,
                isoTime(f.failedAt),
                preview(f.message.body),
              ]),
            )}\n`,
          );
        return 0;
      }
      case 'show': {
        if (ids.length !== 1)
          throw new UsageError('qdo errors show takes one ERROR_ID (as listed by qdo errors ls)');
        const failure = await errors.show(ids[0] as string).catch((error: unknown) => {
          // no qdo_error queue yet: nothing has failed
          if ((error as { status?: unknown }).status === 404) return undefined;
          throw error;
        });
        if (!failure) throw new ExitError(1, `no failed message ${ids[0]} in qdo_error`);
        io.stdout.write(`${terminalJson(failure)}\n`);
        return 0;
      }
      case 'replay': {
        const { replayed } = await errors.replay({ ...queue, ...(ids.length > 0 ? { ids } : {}) });
        io.stdout.write(`replayed ${replayed} message${replayed === 1 ? '' : 's'}\n`);
        if (ids.length > 0 && replayed < ids.length)
          throw new ExitError(1, `${ids.length - replayed} of the given ids were not in qdo_error`);
        return 0;
      }
      case 'purge': {
        if (!values.yes)
          throw new UsageError('qdo errors purge deletes failed messages for good: add --yes');
        const { purged } = await errors.purge(queue);
        io.stdout.write(`purged ${purged} message${purged === 1 ? '' : 's'}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown action "errors ${action}" (ls, show, replay, purge)`);
    }
  },
);
