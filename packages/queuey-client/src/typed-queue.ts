import { QueueyError } from './errors.js';
import type { NewMessage, PostedMessage } from './types.js';

/** The content type each message of a typed queue is posted with. */
export const JSON_CONTENT_TYPE = 'application/json';

/** One message of a typed queue: its body before serialisation, and where it goes. */
export interface TypedMessage<T> {
  body: T;
  ttl?: number;
  partition?: number;
  /** Chooses the partition from the key (README, "Keyed posts"); not with `partition`. */
  key?: string;
}

export type TypedPostOptions = Omit<TypedMessage<unknown>, 'body'>;

/** The body type of a typed queue handle, for the worker's `Job<C, BodyOf<typeof q>>`. */
export type BodyOf<Q> = Q extends TypedQueue<infer T> ? T : never;

type PostMessages = (queue: string, messages: readonly NewMessage[]) => Promise<PostedMessage[]>;

/**
 * A queue whose bodies are values of `T`, posted as JSON (content type
 * application/json per message). From `QueueyClient.queue<T>(name)`.
 */
export class TypedQueue<T> {
  constructor(
    readonly name: string,
    private readonly postMessages: PostMessages,
  ) {}

  async post(body: T, options: TypedPostOptions = {}): Promise<PostedMessage> {
    const [posted] = await this.postMany([{ ...options, body }]);
    return posted as PostedMessage;
  }

  /** Posts the messages as one atomic batch, each serialised with JSON.stringify. */
  async postMany(messages: readonly TypedMessage<T>[]): Promise<PostedMessage[]> {
    const serialised = messages.map(
      ({ body, ...where }, index): NewMessage => ({
        ...where,
        body: toJson(body, messages.length === 1 ? 'the body' : `body ${index}`),
        contentType: JSON_CONTENT_TYPE,
      }),
    );
    return this.postMessages(this.name, serialised);
  }
}

function toJson(body: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch (error) {
    throw invalid(`${what} cannot be serialised as JSON: ${(error as Error).message}`, error);
  }
  if (text === undefined) throw invalid(`${what} is ${typeof body}, which JSON cannot hold`);
  return text;
}

function invalid(message: string, cause?: unknown): QueueyError {
  return new QueueyError(message, { code: 'QUEUEY_CLIENT_INVALID_ARGUMENT', cause });
}
