import { defineCommand } from '../cli/command.js';
import { clientFor, resolveTarget } from '../cli/connect.js';
import { table } from '../cli/table.js';
import { printLine, terminalJson } from '../cli/terminal.js';
import { collectStatus, LAG_CAP } from './status-data.js';

export const STATUS_USAGE = `Usage: qdo status [--json] [-c FILE] [--connection URLS] [--app-key KEY]

One row per partition: the worker that last committed progress (OWNER), the
last processed message and when it was posted, and the lag: messages not yet
processed (counted up to ${LAG_CAP}, then shown as ">= ${LAG_CAP}") and the
age of the oldest of them. A partition whose status message cannot be
trusted shows CORRUPT, and a line below the table names the message;
"qdo seek" sets a new position. STUCK
names the message whose job ignored its abort signal past the grace period
(abort_grace): its worker waits for that job and the partition makes no
progress; the next commit of the partition clears it. STATE shows PAUSED
for a partition "qdo pause" holds: no job starts on it until "qdo resume".`;

export const statusCommand = defineCommand(
  {
    name: 'qdo status',
    usage: STATUS_USAGE,
    flags: { json: 'boolean' },
  },
  async ({ values }, io) => {
    const rows = await collectStatus(clientFor(resolveTarget(values, io)));
    if (values.json) {
      io.stdout.write(`${terminalJson(rows)}\n`);
      return 0;
    }
    if (rows.length === 0) {
      io.stdout.write('no queues\n');
      return 0;
    }
    const body = rows.map((r) => [
      r.partition,
      r.owner ?? '-',
      r.corrupt === undefined ? (r.processed ?? '-') : 'CORRUPT',
      r.processedAt ?? '-',
      r.lagCapped ? `>= ${r.lag}` : r.lag,
      r.lagSeconds,
      r.stuck?.message ?? '-',
      r.paused ? 'PAUSED' : '-',
    ]);
    const headers = [
      'PARTITION',
      'OWNER',
      'LAST PROCESSED',
      'PROCESSED AT',
      'LAG',
      'LAG (S)',
      'STUCK',
      'STATE',
    ];
    io.stdout.write(`${table(headers, body)}\n`);
    for (const r of rows.filter((row) => row.corrupt !== undefined)) {
      printLine(
        io.stdout,
        `${r.partition}: status message qdo_status/${r.statusMessage} is corrupt (${r.corrupt}); workers leave it alone until you run: qdo seek ${r.partition} --to ID|--newest|--start --yes`,
      );
    }
    for (const r of rows.filter((row) => row.stuck !== undefined)) {
      printLine(
        io.stdout,
        `${r.partition}: stuck since ${r.stuck?.since || '?'}: the job on message ${r.stuck?.message} ignored its abort signal; worker ${r.owner ?? '?'} waits for it`,
      );
    }
    for (const r of rows.filter((row) => row.paused !== undefined)) {
      printLine(
        io.stdout,
        `${r.partition}: PAUSED since ${r.paused?.since || '?'} by ${r.paused?.by || '?'}; qdo resume ${r.partition} goes on from its position`,
      );
    }
    return 0;
  },
);
