import { ErrorQueue, type FailedMessage, groupFailures } from '@qdo/failure';
import { defineCommand } from '../cli/command.js';
import { clientFor, resolveTarget } from '../cli/connect.js';
import { terminalJson } from '../cli/terminal.js';
import { ExitError, UsageError } from '../errors.js';
import { failureJson, failureTable, failureText, groupJson, groupTable } from './errors-view.js';

export const ERRORS_USAGE = `Usage: qdo errors ls [FILTERS] [--group] [--json]  failed messages kept in qdo_error
       qdo errors show ERROR_ID [--json]       one failed message: error, stack, body
       qdo errors replay [FILTERS] [ERROR_ID...]  post them back to their partition
       qdo errors purge [FILTERS] --yes        delete them
  --queue Q      only failures from queue Q or partition Q-N
  --error NAME   only failures whose error is of class NAME (e.g. TypeError)
  --group        count failures by error class and message pattern
  (all take -c FILE, --connection URLS, --app-key KEY)`;

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
    flags: { queue: 'string', error: 'string', group: 'boolean', json: 'boolean', yes: 'boolean' },
  },
  async ({ values, positionals }, io) => {
    const [action, ...ids] = positionals;
    checkIds(ids);
    const errors = new ErrorQueue(clientFor(resolveTarget(values, io)));
    const filter = {
      ...(values.queue ? { queue: values.queue } : {}),
      ...(values.error ? { error: values.error } : {}),
    };
    switch (action) {
      case 'ls': {
        const rows: FailedMessage[] = [];
        for await (const failure of errors.list(filter)) rows.push(failure);
        const groups = values.group ? groupFailures(rows) : undefined;
        if (values.json) {
          const items = groups ? groups.map(groupJson) : rows.map(failureJson);
          io.stdout.write(`${terminalJson(items)}\n`);
        } else if (rows.length === 0) io.stdout.write('no failed messages\n');
        else io.stdout.write(`${groups ? groupTable(groups) : failureTable(rows)}\n`);
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
        const shown = values.json ? terminalJson(failureJson(failure)) : failureText(failure);
        io.stdout.write(`${shown}\n`);
        return 0;
      }
      case 'replay': {
        const { replayed } = await errors.replay({
          ...filter,
          ...(ids.length > 0 ? { ids } : {}),
        });
        io.stdout.write(`replayed ${replayed} message${replayed === 1 ? '' : 's'}\n`);
        if (ids.length > 0 && replayed < ids.length)
          throw new ExitError(1, `${ids.length - replayed} of the given ids were not in qdo_error`);
        return 0;
      }
      case 'purge': {
        if (!values.yes)
          throw new UsageError('qdo errors purge deletes failed messages for good: add --yes');
        const { purged } = await errors.purge(filter);
        io.stdout.write(`purged ${purged} message${purged === 1 ? '' : 's'}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown action "errors ${action}" (ls, show, replay, purge)`);
    }
  },
);
