/** The client types the worker uses, in one place. */
export type { Message, QueueInfo, QueueyClient } from '@qdo/queuey-client';
