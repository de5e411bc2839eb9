/** Message keys as both adapters take them: hex ids only, each once, with their times. */
import { isUuidHex, uuidTime } from '@qdo/common';
import { StorageError } from './errors.js';
import type { MessageKey } from './types.js';

export type TimedKey = MessageKey & { time: bigint };

/** Keys with a hex id, lower-cased, each once; other ids cannot exist. */
export function uniqueHexKeys(keys: MessageKey[]): TimedKey[] {
  const seen = new Set<string>();
  const unique: TimedKey[] = [];
  for (const key of keys) {
    if (!isUuidHex(key.id)) continue;
    const id = key.id.toLowerCase();
    const tag = `${key.partition}:${id}`;
    if (seen.has(tag)) continue;
    seen.add(tag);
    unique.push({ partition: key.partition, id, time: uuidTime(id) });
  }
  return unique;
}

/** A message can only be stored under a hex id: its time comes from it. */
export function assertHexKeys(keys: MessageKey[]): void {
  const invalid = keys.find((key) => !isUuidHex(key.id));
  if (invalid) {
    throw new StorageError(
      'QUEUEY_SERVER_INVALID_MESSAGE_ID',
      `message id ${JSON.stringify(invalid.id)} is not 32 hex digits, so it has no time`,
    );
  }
}
