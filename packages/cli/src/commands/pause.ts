import { isQdoError, type PauseResult, StatusAdmin } from '@qdo/core';
import { defineCommand } from '../cli/command.js';
import { printLine } from '../cli/terminal.js';
import { ExitError, UsageError } from '../errors.js';
import type { Io } from '../run.js';
import { operator, withOperatorClient } from './seek.js';

export const PAUSE_USAGE = `Usage: qdo pause QUEUE[-N] [-c FILE] [--connection URLS] [--app-key KEY]

Pauses partition QUEUE-N, or every partition of QUEUE: the worker that owns
it notices within about a second, finishes and commits the job (or batch)
in hand, and starts no other job on it until "qdo resume". Other partitions
go on. The pause is kept in the partition's status message, so it holds
across worker restarts and handovers to another worker; "qdo status" shows
PAUSED. The position is kept: nothing is skipped.`;

export const RESUME_USAGE = `Usage: qdo resume QUEUE[-N] [-c FILE] [--connection URLS] [--app-key KEY]

Resumes a partition paused by "qdo pause" (QUEUE: every partition of it):
its worker goes on within about a second from the position it stopped at.`;

const command = (verb: 'pause' | 'resume', usage: string) =>
  defineCommand({ name: `qdo ${verb}`, usage }, async ({ values, positionals }, io) => {
    const [target, ...extra] = positionals;
    if (target === undefined || extra.length > 0)
      throw new UsageError(
        `give one queue or partition, e.g. qdo ${verb} jobs-1 (see qdo ${verb} --help)`,
      );
    return withOperatorClient(values, io, async (queuey) => {
      const admin = new StatusAdmin(queuey, `qdo ${verb} by ${operator()}`);
      let results: PauseResult[];
      try {
        results = await (verb === 'pause' ? admin.pause(target) : admin.resume(target));
      } catch (error) {
        if (isQdoError(error))
          throw new ExitError(1, `could not ${verb} ${target}: ${error.message}`);
        throw error;
      }
      report(verb, results, io);
      return 0;
    });
  });

function report(verb: 'pause' | 'resume', results: readonly PauseResult[], io: Io): void {
  const done = verb === 'pause' ? 'paused' : 'resumed';
  const already = verb === 'pause' ? 'already paused' : 'not paused';
  for (const r of results) {
    const at = r.processed || '(start)';
    printLine(io.stdout, `${r.changed ? done : already} ${r.partition} at ${at}`);
  }
}

export const pauseCommand = command('pause', PAUSE_USAGE);
export const resumeCommand = command('resume', RESUME_USAGE);
