/** The application resource (list, create) and a queue's own metadata (update, delete). */
import { randomUUID } from 'node:crypto';
import { errors } from '../../errors.js';
import type { QueueRecord } from '../../storage/types.js';
import { readFields } from '../body.js';
import { type Handler, ok, type RequestContext } from '../context.js';
import { validateQueueFields } from '../queue-fields.js';
import { FieldErrors, parseBool } from '../validate.js';

/** Most queues one listing answers (also the default): page on with `offset`. */
export const MAX_QUEUE_LIST = 1000;

export const listQueues: Handler = async ({ state, query, application }) => {
  const fields = new FieldErrors();
  const limit =
    fields.integer('limit', query.get('limit'), { min: 1, max: MAX_QUEUE_LIST }) ?? MAX_QUEUE_LIST;
  fields.throwIfAny();
  const details = parseBool(query.get('details'));
  const includeCount = parseBool(query.get('include_count'));
  const offset = query.get('offset') || undefined;
  const queues = await state.storage.listQueues(application, { offset, limit });
  const now = state.now();
  const list = [];
  for (const queue of queues) {
    // As built, include_count implies details.
    const entry: Record<string, unknown> =
      details || includeCount ? describeQueue(queue) : { queue_name: queue.name };
    if (includeCount) {
      entry.count = await state.storage.countMessages(application, queue.name, now);
    }
    list.push(entry);
  }
  return ok({ queues: list });
};

export const createQueue: Handler = async ({ state, request, application }) => {
  const body = await readFields(request, state.bodyLimit);
  const fieldErrors = new FieldErrors();
  const fields = validateQueueFields(body, fieldErrors);
  fieldErrors.throwIfAny();
  const name = fields.queueName ?? randomUUID().replaceAll('-', '');
  const existing = await state.storage.getQueue(application, name);
  const queue = await state.storage.putQueue({
    application,
    name,
    partitions: fields.partitions ?? 1,
    type: fields.type ?? 'user',
    consistency: fields.consistency ?? 'strong',
    principles: fields.principles ?? [],
    created: existing?.created ?? Math.floor(state.now() / 1000),
  });
  state.queues.set(application, name, queue);
  return ok(
    {
      queue_name: queue.name,
      partitions: queue.partitions,
      type: queue.type,
      consistency: queue.consistency,
      principles: principlesText(body.principles, queue.principles),
    },
    201,
  );
};

export const updateQueue: Handler = async (context: RequestContext) => {
  const { state, request } = context;
  const current = requireQueue(context);
  const body = await readFields(request, state.bodyLimit);
  const fieldErrors = new FieldErrors();
  const fields = validateQueueFields({ ...body, queue_name: undefined }, fieldErrors);
  fieldErrors.throwIfAny();
  if (fields.partitions !== undefined && fields.partitions < current.partitions) {
    throw errors.badRequest({
      InvalidUpdate: `Partitions can only be increased (the queue has ${current.partitions}).`,
    });
  }
  const queue = await state.storage.putQueue({
    ...current,
    partitions: fields.partitions ?? current.partitions,
    type: fields.type ?? current.type,
    consistency: fields.consistency ?? current.consistency,
    principles: fields.principles ?? current.principles,
  });
  state.queues.set(queue.application, queue.name, queue);
  return ok({
    queue_name: queue.name,
    partitions: queue.partitions,
    created: queue.created,
    principles: queue.principles,
    type: queue.type,
    consistency: queue.consistency,
  });
};

export const deleteQueue: Handler = async (context) => {
  const queue = requireQueue(context);
  await context.state.storage.deleteQueue(queue.application, queue.name);
  context.state.queues.set(queue.application, queue.name, undefined);
  context.state.waits.deleted(queue.application, queue.name);
  return ok();
};

export function requireQueue(context: RequestContext): QueueRecord {
  if (!context.queue) throw new Error('route without a queue');
  return context.queue;
}

function describeQueue(queue: QueueRecord): Record<string, unknown> {
  return {
    queue_name: queue.name,
    partitions: queue.partitions,
    created: queue.created,
    type: queue.type,
    consistency: queue.consistency,
    application: queue.application,
    principles: principlesText(undefined, queue.principles),
  };
}

/** As the original answers: the comma list as given (joined when given as a list), null when none. */
function principlesText(given: unknown, stored: readonly string[]): string | null {
  if (stored.length === 0) return null;
  return typeof given === 'string' ? given : stored.join(',');
}
