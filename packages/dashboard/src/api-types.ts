// The JSON the dashboard's API answers: shared by the server and the browser app.

export type PartitionState = 'idle' | 'working' | 'stalled' | 'paused' | 'corrupt' | 'unknown';

export interface PartitionView {
  /** `Q-N`. */
  name: string;
  queue: string;
  partition: number;
  /** Last processed message id; '' when none. */
  position: string;
  /** `last_worker` of its status message. */
  worker: string | undefined;
  /** When that worker started, and when it wrote the status (ISO 8601), if it said (newer workers do). */
  workerStarted?: string | undefined;
  statusWrittenAt?: string | undefined;
  /** When the message at `position` was posted (ISO 8601). */
  positionPostedAt: string | undefined;
  /** When this dashboard last saw the position move (ISO 8601); undefined before it saw one. */
  movedAt: string | undefined;
  /** Messages not yet processed, counted up to `lagCap`. */
  lag: number;
  lagCapped: boolean;
  /** Age in seconds of the oldest unprocessed message; 0 when caught up. */
  lagSeconds: number;
  /** Messages processed per second over the last minute. */
  rate: number;
  /** Unprocessed messages that vanished (TTL expiry or a delete) while this dashboard watched. */
  expired: number;
  /**
   * The server's tally (extension `expired`): messages its purge removed from
   * this partition at expiry, processed or not, and the newest of them;
   * undefined when the server lacks the extension.
   */
  purged: { count: number; lastId: string | undefined } | undefined;
  /**
   * The newest purged message is after the position: it expired unprocessed
   * (exact, as positions only move forward; a seek backwards aside).
   */
  purgedUnprocessed: boolean;
  state: PartitionState;
  /** Why a worker would refuse its status message. */
  corrupt: string | undefined;
  /** The message whose job ignored its abort signal, since when (ISO 8601), as its worker recorded it. */
  stuck: { message: string; since: string } | undefined;
  /** Set by `qdo pause` or the Pause button: who paused it and since when (ISO 8601). */
  paused?: { by: string; since: string } | undefined;
}

export interface QueueView {
  name: string;
  partitions: number;
  /** Live messages in all partitions (the server's count). */
  count: number;
  lag: number;
  lagCapped: boolean;
  lagSeconds: number;
  rate: number;
  expired: number;
  /** Sum of the partitions' server tallies; undefined without the extension. */
  purged: number | undefined;
  /** Partitions whose newest purged message was unprocessed. */
  purgedUnprocessed: number;
  stalled: number;
  corrupt: number;
}

/** `active`: seen lately; `idle`: not seen, but nothing to do; `gone`: not seen although work waits, or replaced. */
export type WorkerState = 'active' | 'idle' | 'gone';

export interface WorkerView {
  name: string;
  /** From the name (`host-pid[-name]`, core's workerName); undefined when it is not of that form. */
  host: string | undefined;
  pid: number | undefined;
  /** When it started (ISO 8601), as its status messages say; undefined from older workers. */
  startedAt: string | undefined;
  /** When this dashboard first saw it (ISO 8601). */
  firstSeen: string;
  /** The latest sign of life (ISO 8601; see the README). */
  lastSeen: string | undefined;
  state: WorkerState;
  partitions: string[];
  rate: number;
}

/** A member of ZooKeeper's party (the `automatic` policy). */
export interface PartyMemberView {
  /** The worker's identifier. */
  name: string;
  /** Partitions whose ZooKeeper lock it holds. */
  partitions: string[];
}

/** ZooKeeper's party, when the dashboard was told where it is. */
export interface PartyView {
  connection: string;
  members: PartyMemberView[];
  /** Why it could not be read this sample (the members are then the last ones read). */
  problem: string | undefined;
}

export interface Snapshot {
  /** When it was taken, epoch ms. */
  at: number;
  queues: QueueView[];
  partitions: PartitionView[];
  workers: WorkerView[];
  /** ZooKeeper's party under the `automatic` policy; undefined when not configured. */
  party?: PartyView | undefined;
  /** Messages in qdo_error. */
  errors: number;
  lagCap: number;
  /** The last sample's failure, if it failed (the previous snapshot is kept). */
  problem: string | undefined;
}

/** One throughput point: epoch seconds, messages per second. */
export interface RatePoint {
  t: number;
  processed: number;
  failed: number;
}

/** Why a message failed, as saved with it; undefined for failures saved by older versions. */
export interface ErrorCause {
  /** The error class, e.g. `TypeError`. */
  name: string;
  message: string;
  stack: string;
  code: string | undefined;
  attempts: number;
  worker: string;
}

export interface ErrorView {
  errorId: string;
  queue: string;
  messageId: string;
  failedAt: string;
  body: string;
  error: ErrorCause | undefined;
}

/** Failures alike: one error class and message pattern (`@qdo/failure`'s groupFailures). */
export interface ErrorGroupView {
  /** The error class; `(unknown)` for failures saved without their error. */
  name: string;
  /** The message's first line, ids and numbers as `<id>` and `<n>`. */
  pattern: string;
  count: number;
  /** The partitions they failed in. */
  queues: string[];
  /** The newest one's message, as an example. */
  example: string;
  latestAt: string;
}

/** The next messages of a partition after its committed position (a read-only peek). */
export interface PeekView {
  queue: string;
  partition: number;
  /** The queue's partition count. */
  partitions: number;
  /** The committed position ('' when none: the peek starts at the beginning). */
  position: string;
  messages: { messageId: string; postedAt: string; body: string }[];
  /** More messages follow the ones shown. */
  more: boolean;
}

export interface PageInfo {
  readOnly: boolean;
  csrf: string;
  sampleSeconds: number;
  /** Seconds without a sign of life before a worker may show as gone. */
  goneSeconds: number;
}
