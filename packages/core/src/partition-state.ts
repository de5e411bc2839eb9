import { parsePartition } from './partition-name.js';

/**
 * running: reading or working; corrupt: its status cannot be trusted and it
 * waits; stuck: a job ignored its abort signal past the grace; fenced:
 * another owner took its progress over; stopped: its loop ended.
 */
export type PartitionStatus = 'starting' | 'running' | 'stuck' | 'corrupt' | 'fenced' | 'stopped';

/** What a partition's loop records as it goes; only the loop holds it writable. */
export interface PartitionFacts {
  status: PartitionStatus;
  /** Last processed message id ('' = none); may be ahead of the committed one. */
  position: string;
  /** Messages processed since the last commit that succeeded. */
  uncommitted: number;
  /** The message whose job ignored its abort signal, while stuck. */
  stuckOn: string | undefined;
  /** Held by `qdo pause` (its status message says so): the loop starts no job. */
  paused: boolean;
}

/**
 * What the worker knows about one owned partition, as its loop keeps it:
 * read-only for everyone else (the long-poll, metrics, readiness, shutdown,
 * status), who read it through this view.
 */
export interface PartitionState extends Readonly<PartitionFacts> {
  readonly name: string;
  readonly queue: string;
  readonly partition: number;
}

/** The facts before the loop claimed its partition. */
export function startingFacts(): PartitionFacts {
  return { status: 'starting', position: '', uncommitted: 0, stuckOn: undefined, paused: false };
}

/** A read-only view of `facts`, which stay the writer's own (getters only: a write throws). */
export class PartitionView implements PartitionState {
  readonly name: string;
  readonly queue: string;
  readonly partition: number;
  readonly #facts: Readonly<PartitionFacts>;

  constructor(name: string, facts: Readonly<PartitionFacts>) {
    this.name = name;
    ({ queue: this.queue, partition: this.partition } = parsePartition(name));
    this.#facts = facts;
  }

  get status(): PartitionStatus {
    return this.#facts.status;
  }
  get position(): string {
    return this.#facts.position;
  }
  get uncommitted(): number {
    return this.#facts.uncommitted;
  }
  get stuckOn(): string | undefined {
    return this.#facts.stuckOn;
  }
  get paused(): boolean {
    return this.#facts.paused;
  }
}
