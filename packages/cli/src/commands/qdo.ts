import { workerMain } from '../cli/worker-entry.js';
import { UsageError } from '../errors.js';
import type { Io } from '../run.js';
import { version } from '../version.js';
import { dashboardCommand } from './dashboard.js';
import { errorsCommand } from './errors.js';
import { pauseCommand, resumeCommand } from './pause.js';
import { postCommand } from './post.js';
import { queuesCommand } from './queues.js';
import { seekCommand } from './seek.js';
import { queueyCommand } from './serve.js';
import { statusCommand } from './status.js';

export const QDO_USAGE = `Usage: qdo COMMAND [options]

  worker                       run the worker (as qdo-worker)
  queuey serve [flags]         run a Queuey server (@qdo/queuey-server's flags)
  queues ls|create|rm          list, create, delete queues
  post QUEUE [BODY...|-]       post messages (stdin: one per line)
  status                       partitions, owners, progress and lag
  seek QUEUE-N --to ID|...     set a partition's position (--newest, --start)
  pause|resume QUEUE[-N]       stop starting jobs on a partition (or a queue), go on
  errors ls|show|replay|purge  failed messages kept in qdo_error
  dashboard [--port N]         a web dashboard (lag, throughput, errors, seek)

Every command reads [queuey] connection and app_key from -c FILE (default
etc/qdo-worker.conf); --connection, --app-key and $QDO_APP_KEY override them.
Unknown config sections and keys are warnings; --strict makes them errors.
Exit codes: 0 done, 1 runtime failure, 2 usage or config error.
Run "qdo COMMAND --help" for a command's options, "qdo --version" for the version.`;

const COMMANDS: Record<string, (argv: string[], io: Io) => Promise<number>> = {
  worker: (argv, io) => workerMain(argv, io, 'qdo worker'),
  queues: queuesCommand,
  post: postCommand,
  status: statusCommand,
  seek: seekCommand,
  pause: pauseCommand,
  resume: resumeCommand,
  errors: errorsCommand,
  dashboard: dashboardCommand,
};

export async function qdoCommand(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '-v' || command === '--version') {
    io.stdout.write(`qdo ${version()}\n`);
    return 0;
  }
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.stdout.write(`${QDO_USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === 'queuey') return queueyCommand(rest);
  const run = COMMANDS[command];
  if (!run) throw new UsageError(`unknown command "${command}" (see qdo --help)`);
  return run(rest, io);
}
