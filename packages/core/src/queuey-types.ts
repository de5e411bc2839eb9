/** The client types the worker uses, in one place. */
export type { Message, QueueyClient } from '@qdo/queuey-client';
