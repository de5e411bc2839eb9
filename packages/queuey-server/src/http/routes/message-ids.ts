/** Messages addressed by id: GET, PUT and DELETE /v1/{app}/{queue}/{ids}. */

import { isUuidHex, timeFromEpochMs, uuidTime } from '@qdo/common';
import { errors } from '../../errors.js';
import { etagOf } from '../../storage/conditional.js';
import type { MessageKey } from '../../storage/types.js';
import { decodeUtf8 } from '../body.js';
import { type Handler, type MessageKeyRef, ok, type RequestContext } from '../context.js';
import {
  assertMessageSize,
  DEFAULT_TTL,
  headerValue,
  MAX_TTL,
  messageJson,
} from '../message-fields.js';
import { FieldErrors, quote } from '../validate.js';
import { conditionalPut, readCondition } from './conditional-put.js';
import { requireQueue } from './queues.js';

const KEY = /^(?:(\d{1,9}):)?([0-9A-Za-z]{32})$/;

/** `[partition:]hex,...` (already percent-decoded); the partition defaults to 1. */
export function parseMessageKeys(segment: string): MessageKeyRef[] {
  const keys: MessageKeyRef[] = [];
  const seen = new Set<string>();
  for (const item of segment.split(',')) {
    const match = KEY.exec(item.trim());
    const partition = Number(match?.[1] ?? 1);
    if (!match || partition < 1) {
      throw errors.badRequest({
        InvalidMessageID: `${quote(item)} is not a message id: use [partition:]<32 hex digits>, comma separated.`,
      });
    }
    const id = (match[2] ?? '').toLowerCase();
    if (seen.has(`${partition}:${id}`)) continue;
    seen.add(`${partition}:${id}`);
    keys.push({ partition, id });
  }
  return keys;
}

// Ids that are not hex cannot exist; reading or deleting them finds nothing.
function existingKeys(context: RequestContext): MessageKey[] {
  return (context.keys ?? []).filter((key) => isUuidHex(key.id));
}

export const getByIds: Handler = async (context) => {
  const queue = requireQueue(context);
  const { state } = context;
  const keys = existingKeys(context);
  const found =
    keys.length === 0
      ? []
      : await state.storage.getMessages(queue.application, queue.name, keys, state.now());
  const answer = ok({ messages: found.map(messageJson) });
  // Extension `if-match`: one message asked for, its ETag for a later conditional PUT.
  return state.extensions.has('if-match') && keys.length === 1 && found[0]
    ? { ...answer, headers: { etag: etagOf(found[0]) } }
    : answer;
};

/**
 * How far ahead of the server's clock a PUT id's time may be. Later posts to
 * the partition get ids after it, so an id far ahead would push every new id
 * ahead of the clock (and the largest time would stop posts altogether).
 */
export const MAX_PUT_AHEAD_SECONDS = 300;

export const putByIds: Handler = async (context) => {
  const queue = requireQueue(context);
  const { state, request } = context;
  const fields = new FieldErrors();
  const latest = timeFromEpochMs(state.now() + MAX_PUT_AHEAD_SECONDS * 1000);
  for (const key of context.keys ?? []) {
    if (!isUuidHex(key.id)) fields.add('ids', `${quote(key.id)} is not 32 hex digits`);
    else if (key.partition > queue.partitions) {
      fields.add('ids', `${key.partition} is greater than maximum value ${queue.partitions}`);
    } else if (uuidTime(key.id) > latest) {
      fields.add(
        'ids',
        `${quote(key.id)} is more than ${MAX_PUT_AHEAD_SECONDS} seconds ahead of the server's clock`,
      );
    }
  }
  const bytes = await request.body(state.bodyLimit);
  assertMessageSize(bytes, state.maxMessageBytes, 'body');
  const body = fields.required('body', decodeUtf8(bytes));
  const ttl = fields.integer('ttl', headerValue(request, 'x-ttl'), { min: 1, max: MAX_TTL });
  // A switched-off `if-match` ignores the conditions, as the original did.
  const condition = state.extensions.has('if-match') ? readCondition(request, fields) : undefined;
  const [key, ...more] = context.keys ?? [];
  if (condition && (!key || more.length > 0)) fields.add('ids', 'a conditional PUT takes one id');
  fields.throwIfAny();
  if (condition && key) {
    return conditionalPut(context, queue, {
      key,
      body: body ?? '',
      ttl: ttl ?? DEFAULT_TTL,
      condition,
    });
  }
  const now = state.now();
  const contentType = headerValue(request, 'content-type') ?? null;
  await state.storage.putMessages(
    queue.application,
    queue.name,
    context.keys ?? [],
    {
      body: body ?? '',
      ttl: ttl ?? DEFAULT_TTL,
      contentType: headerValue(request, 'content-type') ?? null,
    },
    now,
  );
  if (!key || more.length > 0 || !state.extensions.has('if-match')) return ok();
  const written = { body: body ?? '', contentType, expiresAt: now + (ttl ?? DEFAULT_TTL) * 1000 };
  return { ...ok(), headers: { etag: etagOf(written) } };
};

export const deleteByIds: Handler = async (context) => {
  const queue = requireQueue(context);
  const keys = existingKeys(context);
  if (keys.length > 0) {
    await context.state.storage.deleteMessages(queue.application, queue.name, keys);
  }
  return ok();
};
