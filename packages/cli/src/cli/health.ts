import type { Partitioner } from '@qdo/core';
import type { QueueyClient } from '@qdo/queuey-client';
import type { ReadinessCheck } from './metrics-server.js';

/** The Worker as far as readiness goes: `ready()` is the loop's own answer where it exists. */
interface Readable {
  ready?: () => boolean | Promise<boolean>;
  readiness?: () => { ready: boolean; reason: string };
}

/** A partitioner that says whether its first assignment is known (the worker got that far). */
export interface StartedPartitioner extends Partitioner {
  readonly started: boolean;
}

const HEARTBEAT_TIMEOUT_MS = 2000;

/**
 * /readyz: the worker's own `ready()` when it has one; else started (the
 * partitioner has its first assignment, which needs the server) and the
 * server answers its heartbeat now.
 */
export class WorkerHealth implements ReadinessCheck {
  #worker: Readable | undefined;

  constructor(
    private readonly partitioner: StartedPartitioner,
    private readonly queuey: Pick<QueueyClient, 'connect'>,
  ) {}

  watch(worker: object): void {
    this.#worker = worker as Readable;
  }

  async check(): Promise<{ ready: boolean; reason: string }> {
    const owned = `owns ${this.partitioner.owned().length} partition(s)`;
    if (!this.#worker) return { ready: false, reason: 'starting' };
    if (typeof this.#worker.readiness === 'function') {
      const { ready, reason } = this.#worker.readiness();
      return { ready, reason: ready ? owned : reason };
    }
    if (typeof this.#worker.ready === 'function') {
      const ready = await this.#worker.ready();
      return { ready, reason: ready ? owned : 'the worker reports not ready' };
    }
    if (!this.partitioner.started)
      return { ready: false, reason: 'starting: no partition assignment yet' };
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.queuey.connect(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), HEARTBEAT_TIMEOUT_MS);
        }),
      ]);
    } catch {
      return { ready: false, reason: 'the Queuey server does not answer its heartbeat' };
    } finally {
      clearTimeout(timer);
    }
    return { ready: true, reason: owned };
  }
}
