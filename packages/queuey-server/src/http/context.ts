import type { Admission, Holder } from '../admission.js';
import type { QueueRecord, Storage } from '../storage/types.js';
import type { Authenticator, Permission } from './auth.js';
import type { QueueCache } from './queue-cache.js';
import type { QueueWaits } from './queue-waits.js';
import type { ServedRequest } from './request.js';

/** What every handler shares; built once by createApp. */
export interface AppState {
  /** Wrapped so that any storage failure becomes the 500 "storage" answer. */
  storage: Storage;
  authenticator: Authenticator;
  applications: ReadonlySet<string>;
  now: () => number;
  bodyLimit: number;
  /** Largest body of one message (POST or PUT), UTF-8 bytes; bigger is a 413. */
  maxMessageBytes: number;
  /** Budget of message body bytes in one read's answer (the `max-bytes` extension). */
  maxAnswerBytes: number;
  /** Longest `wait` a client may ask for, seconds. */
  maxWait: number;
  /** Aborted when the server closes: held long-polls answer at once. */
  closing: AbortSignal;
  /** Enabled protocol extensions (extensions.ts); a disabled one is ignored as the original would. */
  extensions: ReadonlySet<string>;
  /** Budgets of held reads (admission.ts). */
  admission: Admission;
  /** Held reads by queue, which a queue delete answers. */
  waits: QueueWaits;
  /** Queues as last read, for posts (queue-cache.ts). */
  queues: QueueCache;
}

/** Where a request came from: its connection (connections.ts connectionKey) and address. */
export interface Peer {
  connection: string | undefined;
  address: string | undefined;
}

export interface MessageKeyRef {
  partition: number;
  /** As written in the URL (lowercased); only 32-hex ones can exist. */
  id: string;
}

export interface RequestContext {
  state: AppState;
  request: ServedRequest;
  query: Map<string, string>;
  application: string;
  queue?: QueueRecord;
  /** `queue` is a cached copy (queue-cache.ts), which may be stale. */
  queueCached?: boolean;
  keys?: MessageKeyRef[];
  /** Throws 401 for an unknown key, 403 when the permission is not held. */
  authorize(permission: Permission): void;
  /** Who would hold a read (after authorize). */
  holder(): Holder;
}

export interface Answer {
  status: number;
  body: unknown;
  /** Extra response headers (e.g. `etag`). */
  headers?: Record<string, string>;
}

export type Handler = (context: RequestContext) => Promise<Answer>;

/**
 * An answer body already written as JSON text, sent as it is instead of
 * through JSON.stringify (a post's answer: posted-answer.ts).
 */
export class JsonText {
  constructor(readonly text: string) {}
}

export const ok = (extra: Record<string, unknown> = {}, status = 200): Answer => ({
  status,
  body: { status: 'ok', ...extra },
});
