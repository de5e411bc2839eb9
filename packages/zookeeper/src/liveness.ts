import type { ZkClock } from './options.js';

/** What the deadline needs of a session: one cheap request that the server must answer. */
export type Probe = () => Promise<unknown>;

/**
 * Self-fencing deadline. node-zookeeper-client has no read timeout: a link
 * that goes silent without FIN or RST never reports DISCONNECTED, while the
 * server expires the session and hands our locks to others. So, like the
 * Java client's read timeout, we prove the session alive ourselves: a cheap
 * request every `deadline / 4`, and the session counts as unproven once no
 * request sent in the last `deadline` ms has been answered.
 *
 * The time of proof is when the answered request was *sent*: the server saw
 * it no earlier, so its session cannot expire before `proven + timeout`.
 * With `deadline = 2/3 timeout` a third of the session timeout remains to
 * pause and release before anyone else can take the partitions.
 *
 * Measured on the clock's monotonic reading: the server expires the session
 * by elapsed time, whatever this host's wall clock says, so a wall-clock
 * step back must not lengthen the deadline (nor a step forward fire it).
 */
export class Liveness {
  readonly #probe: Probe;
  readonly #clock: ZkClock;
  readonly #onOverdue: () => void;
  #deadline: number;
  #proven: number;
  #inFlight = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { probe: Probe; clock: ZkClock; deadline: number; onOverdue: () => void }) {
    this.#probe = options.probe;
    this.#clock = options.clock;
    this.#deadline = options.deadline;
    this.#onOverdue = options.onOverdue;
    this.#proven = this.#clock.monotonic();
  }

  get deadline(): number {
    return this.#deadline;
  }

  /** The session answered just now (a handshake, a reconnect). */
  heard(deadline = this.#deadline): void {
    this.#deadline = deadline;
    this.#proven = Math.max(this.#proven, this.#clock.monotonic());
  }

  /** Ms since the session was last proven alive. */
  silence(): number {
    return this.#clock.monotonic() - this.#proven;
  }

  overdue(): boolean {
    return this.silence() > this.#deadline;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#tick(), Math.max(10, Math.floor(this.#deadline / 4)));
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    if (this.overdue()) this.#onOverdue();
    if (this.#inFlight) return;
    this.#inFlight = true;
    const sent = this.#clock.monotonic();
    this.#probe().then(
      () => {
        this.#inFlight = false;
        this.#proven = Math.max(this.#proven, sent);
      },
      () => {
        // A failed request (connection loss) proves nothing; the state events handle it.
        this.#inFlight = false;
      },
    );
  }
}

/** Two thirds of the session timeout, as the Java client's read timeout. */
export function deadlineOf(sessionTimeout: number): number {
  return Math.floor((sessionTimeout * 2) / 3);
}
