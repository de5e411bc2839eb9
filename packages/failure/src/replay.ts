import type { QueueyClient } from '@qdo/queuey-client';
import { type FailedMessage, sourceOf } from './failed-message.js';

/** Messages per post: one atomic batch, then one delete of the same ids. */
const POST_BATCH = 100;
/**
 * Body characters per post, well under the server's default 1 MiB request
 * limit: big messages go in smaller batches, one alone when it is bigger.
 */
const POST_BATCH_CHARS = 256 * 1024;

function bodyText(body: unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/**
 * A JSON batch cannot carry a content type, and a single post with
 * `application/json` would be read as a batch; so only other content types
 * need the one-by-one post that records them.
 */
function ownContentType(failure: FailedMessage): string | undefined {
  const type = failure.message.content_type;
  return type && !type.startsWith('application/json') ? type : undefined;
}

export interface ReplayGroupOptions {
  ttl?: number | undefined;
  /** Called with the qdo_error ids of each batch once it is safely posted. */
  posted(errorIds: string[]): Promise<void>;
}

/** Posts failures of one queue back in order, batch by batch; `posted` follows each. */
export async function replayGroup(
  queuey: QueueyClient,
  queue: string,
  failures: readonly FailedMessage[],
  options: ReplayGroupOptions,
): Promise<void> {
  const ttl = options.ttl === undefined ? {} : { ttl: options.ttl };
  let batch: FailedMessage[] = [];
  let chars = 0;
  const flush = async () => {
    chars = 0;
    if (batch.length === 0) return;
    const items = batch.map((f) => ({
      body: bodyText(f.message.body),
      partition: sourceOf(f).partition,
      ...ttl,
    }));
    await queuey.postMessages(queue, items);
    const ids = batch.map((f) => f.errorId);
    batch = [];
    await options.posted(ids);
  };
  for (const failure of failures) {
    const contentType = ownContentType(failure);
    if (contentType === undefined) {
      const size = bodyText(failure.message.body).length;
      if (chars + size > POST_BATCH_CHARS) await flush();
      batch.push(failure);
      chars += size;
      if (batch.length >= POST_BATCH) await flush();
      continue;
    }
    await flush(); // keeps the order of the partition's messages
    await queuey.postMessage(queue, bodyText(failure.message.body), {
      partition: sourceOf(failure).partition,
      contentType,
      ...ttl,
    });
    await options.posted([failure.errorId]);
  }
  await flush();
}
