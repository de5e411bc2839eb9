/**
 * The `wait` extension: hold a read that found nothing until a message becomes
 * visible in one of its partitions, the time passes, the client goes away,
 * the queue is deleted or the server closes. A read is held only when
 * admitted (admission.ts); one that is not is answered at once.
 */
import type { QueueRecord, Storage, StoredMessage } from '../storage/types.js';
import type { RequestContext } from './context.js';

export type WakeReason = 'message' | 'timeout' | 'aborted';

/**
 * Subscribes at construction, before the caller's read, so a message committed
 * between that read and `next()` still wakes it.
 */
export class ArrivalWatch implements Disposable {
  /** The watched partitions messages arrived in since construction. */
  readonly arrivedIn = new Set<number>();
  #handed: StoredMessage[] | undefined = [];
  #wake: (() => void) | undefined;
  readonly #unsubscribe: () => void;
  readonly #storage: Storage;
  /** Storage.foreignWrites at construction (undefined: it cannot tell). */
  readonly #foreign: number | undefined;
  /** Per watched partition, the time up to which the read holds every message. */
  readonly #known: Map<number, bigint>;
  /** Every arrival came with a `before` at or below what was known of its partitions. */
  #chained = true;

  /**
   * The messages that arrived in the watched partitions since construction,
   * in commit order, while every arrival came with its messages and nothing
   * else can have arrived: no other process wrote to the storage (SQLite,
   * whose other writers reach no watcher here), or each arrival's `before`
   * shows it follows what the read had seen (PostgreSQL). Undefined
   * otherwise: then only a read knows what is there.
   */
  get handed(): readonly StoredMessage[] | undefined {
    if (this.#foreign !== undefined && this.#storage.foreignWrites?.() === this.#foreign)
      return this.#handed;
    return this.#chained ? this.#handed : undefined;
  }

  constructor(options: {
    storage: Storage;
    application: string;
    queue: string;
    partitions: ReadonlySet<number>;
    /**
     * Per partition, the time up to which the read this watch precedes holds
     * every message (its position): what an arrival's `before` is compared
     * with. Partitions absent here take no messages by `before`.
     */
    seen?: ReadonlyMap<number, bigint>;
  }) {
    const { application, queue, partitions, storage } = options;
    this.#storage = storage;
    this.#foreign = storage.foreignWrites?.();
    this.#known = new Map(options.seen);
    this.#unsubscribe = storage.watch((event) => {
      if (event.application !== application || event.queue !== queue) return;
      const watched = event.partitions.filter((partition) => partitions.has(partition));
      if (watched.length === 0) return;
      for (const partition of watched) this.arrivedIn.add(partition);
      if (!event.messages) this.#handed = undefined;
      else {
        const arrived = event.messages.filter((m) => partitions.has(m.partition));
        this.#handed?.push(...arrived);
        this.#chain(watched, event.before, arrived);
      }
      this.#wake?.();
    });
  }

  /**
   * Follows the arrivals of messages: each must come right after what is
   * known of its partitions (nothing committed there before it lies beyond),
   * and then extends it. Once one does not, only a read can tell.
   */
  #chain(
    watched: readonly number[],
    before: ReadonlyMap<number, bigint> | undefined,
    arrived: readonly StoredMessage[],
  ): void {
    if (!this.#chained) return;
    for (const partition of watched) {
      const stood = before?.get(partition);
      const known = this.#known.get(partition);
      if (stood === undefined || known === undefined || stood > known) {
        this.#chained = false;
        return;
      }
    }
    for (const m of arrived) {
      if (m.time > (this.#known.get(m.partition) ?? -1n)) this.#known.set(m.partition, m.time);
    }
  }

  /**
   * Resolves on the first arrival since construction (or at once if one
   * came), or when one of `signals` aborts (no combined signal is made).
   */
  next(timeoutMs: number, signals: readonly AbortSignal[]): Promise<WakeReason> {
    if (this.arrivedIn.size > 0) return Promise.resolve('message');
    if (signals.some((signal) => signal.aborted)) return Promise.resolve('aborted');
    return new Promise<WakeReason>((resolve) => {
      const finish = (reason: WakeReason) => {
        clearTimeout(timer);
        for (const signal of signals) signal.removeEventListener('abort', onAbort);
        this.#wake = undefined;
        resolve(reason);
      };
      const onAbort = () => finish('aborted');
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      for (const signal of signals) signal.addEventListener('abort', onAbort, { once: true });
      this.#wake = () => finish('message');
    });
  }

  [Symbol.dispose](): void {
    this.#unsubscribe();
    this.#wake = undefined;
  }
}

/**
 * `read()` until it finds something new or `waitMs` passes. Each round
 * subscribes before reading; a wake-up that finds nothing new (another
 * partition position, an expired message) waits again for the remaining time.
 * `isNew` tells which found items end the wait: `since` is inclusive, so the
 * message a reader already has would otherwise answer every wait at once.
 * After a wake-up `read` is given the partitions messages arrived in: the
 * others were read empty and nothing came to them since, so a read may skip
 * them (the last read at the timeout is always whole).
 */
export async function readWithWait<T>(options: {
  read: (arrivedIn?: ReadonlySet<number>) => Promise<T[]>;
  waitMs: number;
  /** End the hold; asked for only when the read is held (a read that finds something needs none). */
  signals: () => readonly AbortSignal[];
  watch: () => ArrivalWatch;
  isNew?: (item: T) => boolean;
  /**
   * Called before the read is first held: admits it or throws the answer to
   * give at once. Each of its signals, aborted with an error, ends the hold
   * with that error.
   */
  hold?: () => Hold;
  /**
   * After a wake-up: the answer built from the messages handed over with the
   * arrivals (ArrivalWatch.handed) and what the read before found, exactly
   * what `read` would return now, or undefined to read.
   */
  handOver?: (watch: ArrivalWatch, found: T[]) => T[] | undefined;
}): Promise<T[]> {
  const isNew = options.isNew ?? (() => true);
  const { read } = options;
  if (options.waitMs <= 0) return read();
  let ending: readonly AbortSignal[] | undefined;
  const signals = () => {
    ending ??= options.signals();
    return ending;
  };
  const deadline = performance.now() + options.waitMs;
  let arrivedIn: ReadonlySet<number> | undefined;
  let held: Hold | undefined;
  try {
    for (;;) {
      using watch = options.watch();
      const whole = arrivedIn === undefined;
      const found = await read(arrivedIn);
      const remaining = deadline - performance.now();
      throwIfEnded(held);
      if (found.some(isNew) || remaining <= 0 || signals().some((s) => s.aborted)) return found;
      held ??= options.hold?.();
      const reason = await watch.next(
        remaining,
        held ? [...signals(), ...held.signals] : signals(),
      );
      throwIfEnded(held);
      if (reason === 'timeout') return read();
      if (reason === 'aborted') return [];
      // Only a whole read's answer holds all a read would give again.
      const handed = whole ? options.handOver?.(watch, found) : undefined;
      if (handed?.some(isNew)) return handed;
      arrivedIn = watch.arrivedIn;
    }
  } finally {
    held?.[Symbol.dispose]();
  }
}

/** A held read: what can end it with an error, and its release. */
export interface Hold extends Disposable {
  readonly signals: readonly AbortSignal[];
}

function throwIfEnded(held: Hold | undefined): void {
  const ended = held?.signals.find((signal) => signal.aborted);
  if (ended) throw ended.reason;
}

/**
 * A read of `partitions` of `queue` held up to `wait` seconds (see
 * readWithWait), if admitted, ended early by the client going away, the
 * server closing, the queue's deletion (404) or the connection limit (503):
 * what the plain read and the `positions` read share.
 */
export async function readQueueWithWait<T>(
  context: Pick<RequestContext, 'state' | 'request' | 'holder'>,
  queue: QueueRecord,
  options: {
    partitions: readonly number[];
    wait: number;
    read: (arrivedIn?: ReadonlySet<number>) => Promise<T[]>;
    isNew?: (item: T) => boolean;
    handOver?: (watch: ArrivalWatch, found: T[]) => T[] | undefined;
    /** See ArrivalWatch's `seen`. */
    seen?: ReadonlyMap<number, bigint>;
  },
): Promise<T[]> {
  const { state, request } = context;
  const waitMs = options.partitions.length > 0 ? options.wait * 1000 : 0;
  if (waitMs <= 0) return options.read();
  // A deletion ends the hold like an admission that is taken back.
  using entered = state.waits.enter(queue.application, queue.name);
  return await readWithWait({
    read: options.read,
    waitMs,
    signals: () => [request.signal, state.closing],
    ...(options.isNew ? { isNew: options.isNew } : {}),
    ...(options.handOver ? { handOver: options.handOver } : {}),
    hold: () => {
      if (entered.signal.aborted) throw entered.signal.reason;
      const held = state.admission.admit(context.holder());
      return {
        signals: [entered.signal, held.signal],
        [Symbol.dispose]: () => held[Symbol.dispose](),
      };
    },
    watch: () =>
      new ArrivalWatch({
        storage: state.storage,
        application: queue.application,
        queue: queue.name,
        partitions: new Set(options.partitions),
        ...(options.seen ? { seen: options.seen } : {}),
      }),
  });
}

/**
 * The answer a read would give from `messages` alone: for each partition in
 * the order asked, those the read includes and not expired, in (time, id)
 * order, `limit` of each. Undefined when they would fill the byte budget,
 * whose cut a read decides.
 */
export function handedAnswer(
  messages: readonly StoredMessage[],
  reads: readonly { partition: number; includes: (message: StoredMessage) => boolean }[],
  options: { limit: number; budget: number; now: number },
): StoredMessage[] | undefined {
  const answer: StoredMessage[] = [];
  let bytes = 0;
  for (const { partition, includes } of reads) {
    const page = messages
      .filter((m) => m.partition === partition && m.expiresAt > options.now && includes(m))
      .sort(comparePositions)
      .slice(0, options.limit);
    for (const message of page) bytes += Buffer.byteLength(message.body);
    answer.push(...page);
  }
  return bytes >= options.budget ? undefined : answer;
}

/** Ascending, as a read orders a partition: by time, then id. */
export function comparePositions(
  a: { time: bigint; id: string },
  b: { time: bigint; id: string },
): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
