#!/usr/bin/env node
import { workerCommand } from '../commands/worker.js';
import type { Io } from '../run.js';
import { runBin } from '../run.js';
import { version } from '../version.js';

await runBin('qdo-worker', async (argv: string[], io: Io) => {
  if (argv.includes('-v') || argv.includes('--version')) {
    io.stdout.write(`qdo-worker ${version()}\n`);
    return 0;
  }
  return workerCommand(argv, io);
});
