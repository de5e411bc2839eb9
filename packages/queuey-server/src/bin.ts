#!/usr/bin/env node
/** The `queuey` command. Expected failures print one line; a stack only for bugs. */
import { endOnBrokenPipe } from '@qdo/common';
import { runCli } from './cli.js';
import { isQueueyServerError } from './errors.js';
import { isStorageError } from './storage/errors.js';

endOnBrokenPipe();
try {
  process.exitCode = await runCli(process.argv.slice(2));
} catch (error) {
  if (isQueueyServerError(error)) {
    process.stderr.write(`queuey: ${error.message}\n`);
    process.exitCode =
      error.code === 'QUEUEY_SERVER_USAGE' || error.code === 'QUEUEY_SERVER_CONFIG_INVALID' ? 2 : 1;
  } else if (isStorageError(error)) {
    process.stderr.write(`queuey: storage: ${error.message}\n`);
    process.exitCode = 1;
  } else if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
    process.stderr.write(`queuey: the address is already in use (${error.message})\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(
      `queuey: unexpected error\n${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
