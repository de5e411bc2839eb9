import { WORKER_USAGE, workerCommand } from '../commands/worker.js';
import type { Io } from '../run.js';
import { version } from '../version.js';
import { workerKeysHelp } from './config-help.js';

/** `qdo-worker` and `qdo worker`: --version and --help (with every config key) before the worker. */
export async function workerMain(argv: string[], io: Io, prog = 'qdo-worker'): Promise<number> {
  if (argv.includes('-v') || argv.includes('--version')) {
    io.stdout.write(`${prog} ${version()}\n`);
    return 0;
  }
  if (argv.includes('-h') || argv.includes('--help')) {
    io.stdout.write(`${WORKER_USAGE}\n\n${workerKeysHelp()}\n`);
    return 0;
  }
  return workerCommand(argv, io);
}
