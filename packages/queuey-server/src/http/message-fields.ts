/** Validation of posted messages and the JSON shape of stored ones. */
import { randomInt } from 'node:crypto';
import { formatTimestamp } from '@qdo/common';
import { HttpError } from '../errors.js';
import type { MessageHeaders, NewMessage, StoredMessage } from '../storage/types.js';
import { validateHeaders } from './message-headers.js';
import type { ServedRequest } from './request.js';
import { type FieldErrors, isIntegerIn, isMissing, quote } from './validate.js';

export const DEFAULT_TTL = 60 * 60 * 24 * 3;
export const MAX_TTL = 2 ** 25;

export interface MessageInput {
  body: unknown;
  ttl?: unknown;
  partition?: unknown;
  contentType?: string | null;
  /** Extension `headers`, already checked (message-headers.ts). */
  headers?: MessageHeaders | undefined;
}

/** One message, against a queue of `partitions`; a missing partition is chosen at random. */
export function validateMessage(
  input: MessageInput,
  options: { partitions: number; errors: FieldErrors },
): NewMessage | undefined {
  const { errors, partitions } = options;
  const body = errors.required('body', input.body);
  const ttl = errors.integer('ttl', input.ttl, { min: 1, max: MAX_TTL });
  const partition = errors.integer('partition', input.partition, { min: 1, max: partitions });
  if (body === undefined || errors.has('ttl') || errors.has('partition')) return undefined;
  const message: NewMessage = {
    body,
    ttl: ttl ?? DEFAULT_TTL,
    partition: partition ?? randomInt(1, partitions + 1),
    contentType: input.contentType ?? null,
  };
  if (input.headers) message.headers = input.headers;
  return message;
}

/** The items of `{"messages": [...]}`, all validated before any is stored. */
export function validateBatch(
  items: unknown[],
  options: { partitions: number; errors: FieldErrors; headers?: boolean },
): NewMessage[] {
  const messages: NewMessage[] = [];
  items.forEach((item, index) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      options.errors.add(String(index), `${quote(item)} is not a mapping type`);
      return;
    }
    const fields = item as Record<string, unknown>;
    const message = plainItem(fields, options) ?? checkedItem(fields, index, options);
    if (message) messages.push(message);
  });
  return messages;
}

/** A batch item through validateMessage, its errors keyed `<index>.<field>`. */
function checkedItem(
  fields: Record<string, unknown>,
  index: number,
  options: { partitions: number; errors: FieldErrors; headers?: boolean },
): NewMessage | undefined {
  const errors = options.errors.item(index);
  return validateMessage(
    {
      body: fields.body,
      ttl: fields.ttl,
      partition: fields.partition,
      contentType: itemContentType(fields.content_type, errors),
      // Without the extension the field is ignored, as the original ignores unknown fields.
      headers: options.headers ? validateHeaders(fields.headers, errors) : undefined,
    },
    { partitions: options.partitions, errors },
  );
}

/**
 * A batch item that is plainly valid, as nearly every item of a producer's
 * batch is: a non-empty string body, integers in range, a content type of
 * at most 255 characters or none, no headers. Undefined for anything else,
 * which validateMessage checks and words the errors of. A plain item needs
 * no FieldErrors of its own (with its closure and input object: a third of
 * what validating a 1,000-message post allocated).
 */
function plainItem(
  fields: Record<string, unknown>,
  options: { partitions: number; headers?: boolean },
): NewMessage | undefined {
  const { body, ttl, partition, content_type: contentType } = fields;
  const { partitions } = options;
  if (typeof body !== 'string' || body === '') return undefined;
  if (ttl !== undefined && !isIntegerIn(ttl, { min: 1, max: MAX_TTL })) return undefined;
  if (partition !== undefined && !isIntegerIn(partition, { min: 1, max: partitions }))
    return undefined;
  if (contentType !== undefined && !isItemContentType(contentType)) return undefined;
  if (options.headers && fields.headers !== undefined) return undefined;
  return {
    body,
    ttl: ttl ?? DEFAULT_TTL,
    partition: partition ?? randomInt(1, partitions + 1),
    contentType: contentType || null,
  };
}

const MAX_ITEM_CONTENT_TYPE = 255;

const isItemContentType = (raw: unknown): raw is string =>
  typeof raw === 'string' && raw.length <= MAX_ITEM_CONTENT_TYPE;

/**
 * A batch item's `content_type` (an extension: the original keeps none for
 * batch items), recorded as a single post's Content-Type header is.
 */
function itemContentType(raw: unknown, errors: FieldErrors): string | null {
  if (isMissing(raw)) return null;
  if (isItemContentType(raw)) return raw;
  errors.add(
    'content_type',
    `${quote(raw)} is not a string of at most ${MAX_ITEM_CONTENT_TYPE} characters`,
  );
  return null;
}

/** 413 naming the limit when one message's body is bigger than `limit` UTF-8 bytes. */
export function assertMessageSize(body: string | Uint8Array, limit: number, key: string): void {
  if (fits(body, limit)) return;
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  throw new HttpError(413, {
    [key]: `The message body is larger than the limit of ${limit} bytes (it has ${size}).`,
  });
}

/** assertMessageSize of each body of a batch, keyed `<index>.body` (made only for a 413). */
export function assertBatchSizes(messages: readonly NewMessage[], limit: number): void {
  messages.forEach((message, index) => {
    if (!fits(message.body, limit)) assertMessageSize(message.body, limit, `${index}.body`);
  });
}

function fits(body: string | Uint8Array, limit: number): boolean {
  if (typeof body !== 'string') return body.byteLength <= limit;
  // A UTF-16 code unit is at most 3 UTF-8 bytes: a short string needs no counting.
  return body.length * 3 <= limit || Buffer.byteLength(body) <= limit;
}

export function headerValue(request: ServedRequest, name: string): string | undefined {
  const value = request.headers.get(name);
  return isMissing(value) ? undefined : value;
}

export function messageJson(message: StoredMessage): Record<string, unknown> {
  return {
    message_id: message.id,
    timestamp: formatTimestamp(message.time),
    body: message.body,
    partition: message.partition,
    ...(message.contentType ? { content_type: message.contentType } : {}),
    ...(message.headers ? { headers: message.headers } : {}),
  };
}
