import type { Logger } from './logger.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * The first SIGINT/SIGTERM asks for a graceful stop; a second one means the
 * operator does not want to wait, so the process exits at once.
 */
export function installSignalHandlers(options: { stop(): void; logger: Logger }): () => void {
  let received = 0;
  const handler = (signal: (typeof SIGNALS)[number]) => {
    received += 1;
    if (received > 1) {
      options.logger.warn(`second ${signal}: exiting at once`);
      process.exit(EXIT_CODES[signal]);
    }
    options.logger.info(`${signal}: finishing the message in hand, then stopping`);
    options.stop();
  };
  for (const signal of SIGNALS) process.on(signal, handler);
  return () => {
    for (const signal of SIGNALS) process.off(signal, handler);
  };
}
