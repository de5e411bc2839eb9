import { intFlag } from '../cli/args.js';
import { defineCommand } from '../cli/command.js';
import { clientFor, resolveTarget } from '../cli/connect.js';
import { table } from '../cli/table.js';
import { printLine, terminalJson } from '../cli/terminal.js';
import { UsageError } from '../errors.js';

export const QUEUES_USAGE = `Usage: qdo queues ls [--json]
       qdo queues create NAME [--partitions N] [--type user|public]
       qdo queues rm NAME...
(all take -c FILE, --connection URLS, --app-key KEY)`;

export const queuesCommand = defineCommand(
  {
    name: 'qdo queues',
    usage: QUEUES_USAGE,
    actions: true,
    flags: { partitions: 'string', type: 'string', json: 'boolean' },
  },
  async ({ values, positionals }, io) => {
    const [action, ...names] = positionals;
    const queuey = clientFor(resolveTarget(values, io));
    switch (action) {
      case 'ls': {
        const rows = [];
        for await (const q of queuey.queues({ details: true, includeCount: true })) rows.push(q);
        if (values.json) io.stdout.write(`${terminalJson(rows)}\n`);
        else
          io.stdout.write(
            `${table(
              ['QUEUE', 'PARTITIONS', 'TYPE', 'MESSAGES'],
              rows.map((q) => [q.queue_name, q.partitions ?? 1, q.type ?? '', q.count ?? '']),
            )}\n`,
          );
        return 0;
      }
      case 'create': {
        if (names.length !== 1) throw new UsageError('qdo queues create takes one NAME');
        const type = values.type;
        if (type !== undefined && type !== 'user' && type !== 'public')
          throw new UsageError(`--type expects user or public, got ${JSON.stringify(type)}`);
        const partitions = intFlag(values.partitions, 'partitions', { min: 1, max: 1000 });
        const created = await queuey.createQueue({
          queueName: names[0] as string,
          ...(partitions ? { partitions } : {}),
          ...(type ? { type } : {}),
        });
        printLine(
          io.stdout,
          `created queue ${created.queue_name} (${created.partitions} partitions)`,
        );
        return 0;
      }
      case 'rm': {
        if (names.length === 0) throw new UsageError('qdo queues rm takes one or more NAMEs');
        for (const name of names) {
          await queuey.deleteQueue(name);
          printLine(io.stdout, `deleted queue ${name}`);
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown action "queues ${action}" (ls, create, rm)`);
    }
  },
);
