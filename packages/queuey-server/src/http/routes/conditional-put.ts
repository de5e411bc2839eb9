/**
 * Extension `if-match`: `PUT /v1/{app}/{queue}/{p:id}` with `If-Match: "<etag>"`
 * writes only when the stored message has that ETag, with `If-None-Match: *`
 * only when it does not exist; otherwise 412. Answers carry the new `ETag`.
 */
import { HttpError } from '../../errors.js';
import type { PutCondition } from '../../storage/conditional.js';
import type { MessageKey, QueueRecord } from '../../storage/types.js';
import { type Answer, ok, type RequestContext } from '../context.js';
import { headerValue } from '../message-fields.js';
import type { ServedRequest } from '../request.js';
import type { FieldErrors } from '../validate.js';

/** The request's precondition, undefined for a plain PUT; problems go to `fields`. */
export function readCondition(
  request: ServedRequest,
  fields: FieldErrors,
): PutCondition | undefined {
  // Present but empty is a condition too (a bad one): it must not make the PUT unconditional.
  const ifMatch = request.headers.get('if-match')?.trim();
  const ifNoneMatch = request.headers.get('if-none-match')?.trim();
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  if (ifNoneMatch !== undefined && ifNoneMatch !== '*') {
    fields.add('If-None-Match', 'only * (create when absent) is supported');
  }
  if (ifMatch !== undefined && ifMatch !== '*' && !/^"[^"]*"$/.test(ifMatch)) {
    fields.add('If-Match', 'must be one quoted ETag, as an earlier answer gave it, or *');
  }
  return { ...(ifMatch === undefined ? {} : { ifMatch }), ifNoneMatch: ifNoneMatch === '*' };
}

export async function conditionalPut(
  context: RequestContext,
  queue: QueueRecord,
  write: { key: MessageKey; body: string; ttl: number; condition: PutCondition },
): Promise<Answer> {
  const { state, request } = context;
  const result = await state.storage.putMessageIf(
    queue.application,
    queue.name,
    write.key,
    { body: write.body, ttl: write.ttl, contentType: headerValue(request, 'content-type') ?? null },
    write.condition,
    state.now(),
  );
  if (!result.written) {
    const which = write.condition.ifNoneMatch ? 'exists already' : 'does not match If-Match';
    throw new HttpError(412, { id: `${write.key.partition}:${write.key.id} ${which}` });
  }
  return { ...ok(), headers: { etag: result.etag } };
}
