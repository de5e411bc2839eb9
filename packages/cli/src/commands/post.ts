import { fstatSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { NewMessage, QueueyClient } from '@qdo/queuey-client';
import { intFlag } from '../cli/args.js';
import { defineCommand } from '../cli/command.js';
import { clientFor, resolveTarget } from '../cli/connect.js';
import { Progress } from '../cli/progress.js';
import { ExitError, UsageError } from '../errors.js';
import type { Io } from '../run.js';

export const POST_USAGE = `Usage: qdo post QUEUE BODY...      post each BODY as one message
       qdo post QUEUE [-] < FILE    post each line of stdin as one message
  --partition N   the partition (default: the server picks one at random)
  --key K         the partition K hashes to (murmur2, as @qdo/queuey-client places keys)
  --ttl SECONDS   time to live (default: the server's)
  --batch N       messages per request (default 100)
  -c FILE, --connection URLS, --app-key KEY as for every command`;

export const postCommand = defineCommand(
  {
    name: 'qdo post',
    usage: POST_USAGE,
    flags: { partition: 'string', key: 'string', ttl: 'string', batch: 'string' },
  },
  async ({ values, positionals }, io) => {
    const [queue, ...bodies] = positionals;
    if (!queue) throw new UsageError('qdo post needs a QUEUE (see qdo post --help)');
    const fromStdin = bodies.length === 0 || (bodies.length === 1 && bodies[0] === '-');
    if (fromStdin && bodies.length === 0 && io.stdin.isTTY)
      throw new UsageError(
        'qdo post: give the message bodies as arguments, or pipe them in (one per line)',
      );
    const options = {
      partition: intFlag(values.partition, 'partition', { min: 1 }),
      ttl: intFlag(values.ttl, 'ttl', { min: 1 }),
      key: values.key as string | undefined,
    };
    if (options.key !== undefined && options.partition !== undefined)
      throw new UsageError(
        'qdo post: give --key or --partition, not both (the key chooses the partition)',
      );
    const batchSize = intFlag(values.batch, 'batch', { min: 1, max: 1000 }) ?? 100;
    const queuey = clientFor(resolveTarget(values, io));
    const progress = new Progress(io.stderr, fromStdin ? stdinSize(io) : undefined);
    let posted = 0;
    let bytes = 0;
    let batch: NewMessage[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await send(queuey, queue, batch);
      posted += batch.length;
      batch = [];
      progress.update(posted, bytes);
    };
    const add = async (body: string) => {
      batch.push({
        body,
        ...(options.ttl ? { ttl: options.ttl } : {}),
        ...(options.partition ? { partition: options.partition } : {}),
        ...(options.key !== undefined ? { key: options.key } : {}),
      });
      if (batch.length >= batchSize) await flush();
    };
    try {
      if (fromStdin) {
        for await (const line of createInterface({
          input: io.stdin,
          crlfDelay: Number.POSITIVE_INFINITY,
        })) {
          bytes += Buffer.byteLength(line) + 1;
          if (line !== '') await add(line);
        }
      } else {
        for (const body of bodies) await add(body);
      }
      await flush();
    } finally {
      progress.done();
    }
    io.stdout.write(`posted ${posted} message${posted === 1 ? '' : 's'} to ${queue}\n`);
    return 0;
  },
);

async function send(queuey: QueueyClient, queue: string, batch: NewMessage[]): Promise<void> {
  try {
    await queuey.postMessages(queue, batch);
  } catch (error) {
    const { status, code } = error as { status?: unknown; code?: unknown };
    if (status === 404 || code === 'QUEUEY_CLIENT_UNKNOWN_QUEUE')
      throw new ExitError(
        1,
        `queue "${queue}" does not exist (create it with: qdo queues create ${queue})`,
        { cause: error },
      );
    throw error;
  }
}

function stdinSize(io: Io): number | undefined {
  if (io.stdin !== process.stdin) return undefined;
  try {
    const stat = fstatSync(0);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}
