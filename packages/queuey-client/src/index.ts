export type { BodyOptions } from './client.js';
export { QueueyClient } from './client.js';
export type { QueueyErrorCode } from './errors.js';
export {
  httpStatus,
  isConflict,
  isNotFound,
  isQueueyError,
  isTransient,
  QueueyBadResponseError,
  QueueyConnectionError,
  QueueyError,
  QueueyHTTPError,
  QueueyTimeoutError,
} from './errors.js';
export { partitionForKey } from './key-partition.js';
export type { Method } from './transport.js';
export type { BodyOf, TypedMessage, TypedPostOptions } from './typed-queue.js';
export { TypedQueue } from './typed-queue.js';
export type {
  Clock,
  CreatedQueue,
  CreateQueueOptions,
  ExpiredTally,
  FetchOptions,
  FetchPosition,
  IterateMessagesOptions,
  ListQueuesOptions,
  Message,
  MessageId,
  MessagesOptions,
  NewMessage,
  Params,
  PostedMessage,
  PostMessageOptions,
  PutMessagesOptions,
  QueueInfo,
  QueuesOptions,
  QueueType,
  QueueyClientOptions,
  RequestOptions,
  TaggedMessage,
  UpdatedQueue,
  UpdateQueueOptions,
} from './types.js';
