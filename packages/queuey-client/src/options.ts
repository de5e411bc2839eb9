import { backoff, type Clock, systemClock } from '@qdo/common';
import { QueueyError } from './errors.js';
import type { QueueyClientOptions } from './types.js';
import { parseConnection } from './url.js';

export const defaults = {
  retries: 3,
  timeout: 5000,
  cooldown: 30_000,
} satisfies Partial<QueueyClientOptions>;

/** The back-off between retry rounds: ~100 ms, 200, 400 … capped at 2 s, each ± 50 %. */
export function defaultRetryDelay(round: number): number {
  return backoff({ attempt: round, base: 100, max: 2000, jitter: 0.5 });
}

export interface ResolvedOptions {
  servers: URL[];
  authorization: string | undefined;
  retries: number;
  timeout: number;
  cooldown: number;
  ca: string | Uint8Array | undefined;
  retryDelay: (round: number) => number;
  clock: Clock;
  fetch: typeof globalThis.fetch | undefined;
}

function invalid(message: string): QueueyError {
  return new QueueyError(message, { code: 'QUEUEY_CLIENT_INVALID_OPTIONS' });
}

function count(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalid(`${name} must be a number >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Milliseconds, as a timer takes them (ky's `timeout` refuses more). */
function timeoutOption(value: unknown): number {
  const timeout = count('timeout', value, 1);
  if (timeout > 2_147_483_647)
    throw invalid(`timeout must be at most 2147483647 ms, got ${timeout}`);
  return timeout;
}

/** Validates at construction so a bad option fails at once, naming the option. */
export function resolveOptions(options: QueueyClientOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw invalid('QueueyClient needs an options object with at least `connection`');
  }
  if (options.connection === undefined) {
    throw invalid('connection is required: an app root URL like http://127.0.0.1:5000/v1/queuey/');
  }
  const { appKey, ca } = options;
  if (appKey !== undefined && (typeof appKey !== 'string' || /[\r\n]/.test(appKey))) {
    // The value itself is never echoed: it is a secret.
    throw invalid('appKey must be a string without line breaks');
  }
  if (ca !== undefined && typeof ca !== 'string' && !(ca instanceof Uint8Array)) {
    throw invalid('ca must be a PEM string or a Uint8Array');
  }
  const retries = count('retries', options.retries ?? defaults.retries, 0);
  if (!Number.isInteger(retries)) throw invalid(`retries must be an integer, got ${retries}`);
  return {
    servers: parseConnection(options.connection),
    authorization: appKey ? `Application ${appKey}` : undefined,
    retries,
    timeout: timeoutOption(options.timeout ?? defaults.timeout),
    cooldown: count('cooldown', options.cooldown ?? defaults.cooldown, 0),
    ca,
    retryDelay: options.retryDelay ?? defaultRetryDelay,
    clock: options.clock ?? systemClock,
    fetch: options.fetch,
  };
}
