/** Validation of the queue fields of create (POST /v1/{app}) and update (PUT). */
import type { Consistency, QueueType } from '../storage/types.js';
import { type FieldErrors, isMissing, quote } from './validate.js';

export const QUEUE_TYPES = ['user', 'public'] as const satisfies readonly QueueType[];
export const CONSISTENCIES = [
  'weak',
  'strong',
  'very_strong',
] as const satisfies readonly Consistency[];
export const MAX_QUEUE_NAME = 50;
export const MAX_PARTITIONS = 200;

// The original's rule (Python 2 `\w` is ASCII).
const PRINCIPLE = /^(?:bid:\w+@\w+\.\w+|app:\w+)$/;
// A name that cannot be addressed as one path segment is refused up front.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
const UNADDRESSABLE = /[/\u0000-\u001f\u007f]|^\.{1,2}$/;

export interface QueueFields {
  queueName?: string;
  partitions?: number;
  type?: QueueType;
  consistency?: Consistency;
  principles?: string[];
}

export function validateQueueFields(
  fields: Record<string, unknown>,
  errors: FieldErrors,
): QueueFields {
  const result: QueueFields = {};
  const name = fields.queue_name;
  if (!isMissing(name)) {
    const text = errors.required('queue_name', name);
    if (text !== undefined && text.length > MAX_QUEUE_NAME) {
      errors.add('queue_name', `Longer than maximum length ${MAX_QUEUE_NAME}`);
    } else if (text !== undefined && UNADDRESSABLE.test(text)) {
      errors.add(
        'queue_name',
        `${quote(text)} cannot be a queue name: no "/" or control characters`,
      );
    } else if (text !== undefined) result.queueName = text;
  }
  const partitions = errors.integer('partitions', fields.partitions, {
    min: 1,
    max: MAX_PARTITIONS,
  });
  if (partitions !== undefined) result.partitions = partitions;
  const type = errors.oneOf('type', fields.type, QUEUE_TYPES);
  if (type !== undefined) result.type = type;
  const consistency = errors.oneOf('consistency', fields.consistency, CONSISTENCIES);
  if (consistency !== undefined) result.consistency = consistency;
  const principles = parsePrinciples(fields.principles, errors);
  if (principles !== undefined) result.principles = principles;
  return result;
}

/** A comma list (or, in JSON, an array) of `app:<name>` / `bid:<user>@<host>.<tld>`. */
function parsePrinciples(raw: unknown, errors: FieldErrors): string[] | undefined {
  if (isMissing(raw)) return undefined;
  let items: unknown[];
  if (typeof raw === 'string') items = raw.split(',');
  else if (Array.isArray(raw)) items = raw;
  else {
    errors.add('principles', `${quote(raw)} is not a comma separated list of principles`);
    return undefined;
  }
  const principles: string[] = [];
  for (const item of items) {
    const text = typeof item === 'string' ? item.trim() : '';
    if (text === '' && typeof item === 'string') continue;
    if (!PRINCIPLE.test(text)) {
      errors.add(
        'principles',
        `${quote(item)} is not a valid principle: use app:<name> or bid:<user>@<host>.<tld>`,
      );
      return undefined;
    }
    if (!principles.includes(text)) principles.push(text);
  }
  return principles.length > 0 ? principles : undefined;
}
