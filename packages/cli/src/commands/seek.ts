import { hostname, userInfo } from 'node:os';
import { isUuidHex } from '@qdo/common';
import { isQdoError, parsePartition, type SeekTarget, StatusAdmin } from '@qdo/core';
import type { QueueyClient } from '@qdo/queuey-client';
import { defineCommand } from '../cli/command.js';
import { clientFor, resolveTarget } from '../cli/connect.js';
import { startEmbedded } from '../cli/embedded.js';
import { printLine } from '../cli/terminal.js';
import { ExitError, UsageError } from '../errors.js';
import type { Io } from '../run.js';

export const SEEK_USAGE = `Usage: qdo seek QUEUE-N (--to ID | --newest | --start) --yes [-c FILE] [--connection URLS] [--app-key KEY]

Sets where the workers go on in partition QUEUE-N:
  --to ID    ID counts as processed: work goes on with the message after it
             (skips a poison message, or the demo's "stop": --to <its id>)
  --newest   everything now in the partition counts as processed
  --start    nothing counts as processed: the whole partition runs again
The worker that owns the partition is fenced (its next progress commit is
refused) and notices within about a second: it starts no job from the old
position after that, and starts over from the new one, also when it was idle.
Also the fix for a partition that "qdo status" shows as CORRUPT. Without
--yes nothing is written.
With an embedded config (connection = embedded) it opens that database itself.`;

export const seekCommand = defineCommand(
  {
    name: 'qdo seek',
    usage: SEEK_USAGE,
    flags: { to: 'string', newest: 'boolean', start: 'boolean', yes: 'boolean' },
  },
  async ({ values, positionals }, io) => {
    const [name, ...extra] = positionals;
    const targets = [values.to !== undefined, values.newest, values.start].filter(Boolean).length;
    if (name === undefined || extra.length > 0 || targets !== 1) {
      throw new UsageError(
        'give one partition and one of --to ID, --newest, --start (see qdo seek --help)',
      );
    }
    partitionOf(name);
    if (values.to !== undefined && !isUuidHex(values.to)) {
      throw new UsageError(
        `--to expects a message id (32 hex digits), got ${JSON.stringify(values.to)}`,
      );
    }
    return withOperatorClient(values, io, (queuey) => seek(queuey, { name, ...values }, io));
  },
);

async function seek(
  queuey: QueueyClient,
  o: { name: string; to?: string; newest?: boolean; start?: boolean; yes?: boolean },
  io: Io,
): Promise<number> {
  const { name } = o;
  const admin = new StatusAdmin(queuey, `qdo seek by ${operator()}`);
  const target: SeekTarget = o.start
    ? { to: 'start' }
    : o.newest
      ? { to: 'end' }
      : { to: 'id', id: o.to as string };
  let position: string;
  try {
    position = await admin.target(name, target);
  } catch (error) {
    if (isQdoError(error)) throw new ExitError(1, error.message);
    throw error;
  }
  const before = await admin.describe(name);
  const from =
    before.corrupt === undefined ? before.processed || '(start)' : `CORRUPT (${before.corrupt})`;
  const to = position || '(start)';
  if (!o.yes) {
    printLine(io.stdout, `would move ${name} from ${from} to ${to}; run again with --yes to do it`);
    return 2;
  }
  try {
    await admin.moveTo(name, position);
  } catch (error) {
    if (isQdoError(error))
      throw new ExitError(1, `could not move ${name}: ${error.message}; try again`);
    throw error;
  }
  printLine(io.stdout, `moved ${name} from ${from} to ${to}`);
  return 0;
}

/**
 * The client an operator command (seek, pause, resume) writes through; with
 * an embedded config (and no --connection) it opens that database through a
 * server of its own (a worker that stopped at a message took its server
 * down with it).
 */
export async function withOperatorClient<T>(
  values: Parameters<typeof resolveTarget>[0],
  io: Io,
  use: (queuey: QueueyClient) => Promise<T>,
): Promise<T> {
  const target = resolveTarget(values, io);
  const file = target.config.queuey.embedded;
  const embedded =
    file && !values.connection
      ? await startEmbedded({ db: file.db, port: 0, appKey: target.appKey })
      : undefined;
  if (embedded) Object.assign(target, { connection: [embedded.appRoot], appKey: embedded.appKey });
  try {
    return await use(clientFor(target));
  } finally {
    await embedded?.close();
  }
}

/** Who runs an operator command, as written into the status message: `user@host`. */
export function operator(): string {
  let user = 'someone';
  try {
    user = userInfo().username;
  } catch {
    // no user name (a container without /etc/passwd entry)
  }
  return `${user}@${hostname()}`;
}

function partitionOf(name: string) {
  try {
    return parsePartition(name);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
