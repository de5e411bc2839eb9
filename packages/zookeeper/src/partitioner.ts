import { backoff } from '@qdo/common';
import type { Partitioner, PartitionerHost } from '@qdo/core';
import zookeeper, { type State } from 'node-zookeeper-client';
import { assignPartitions } from './assign.js';
import { aborted, deferred, within } from './async.js';
import { type ParsedConnection, parseConnection } from './connection.js';
import { Departures } from './departures.js';
import { deadlineOf, Liveness } from './liveness.js';
import { LockTable } from './locks.js';
import { type ResolvedOptions, resolveOptions, type ZkPartitionerOptions } from './options.js';
import { ZkSession } from './session.js';
import { Settler } from './settle.js';

const NOTHING: readonly string[] = Object.freeze([]);
/**
 * Wait before retry `attempt` of opening a new session after the old one
 * expired, or of a failed reconcile: 1 s doubling to 10 s (about a session
 * timeout), fully jittered so a party that lost ZooKeeper together does not
 * come back in step.
 */
const retryDelay = (attempt: number) => backoff({ attempt, base: 1000, max: 10_000 });

/**
 * The `automatic` partition policy: workers form a party under
 * `<chroot>/party`, split the partitions with a deterministic assignment once
 * the party has been stable for `partyWait` seconds, and hold an ephemeral
 * lock node `<chroot>/locks/<partition>` for each partition they process.
 */
export class ZkPartitioner implements Partitioner {
  readonly options: ResolvedOptions;
  readonly #conn: ParsedConnection;
  readonly #member: string;
  readonly #stopping = new AbortController();
  readonly #settler: Settler<string[]>;
  #host: PartitionerHost | undefined;
  #all: string[] = [];
  #session: ZkSession | undefined;
  #locks: LockTable | undefined;
  #liveness: Liveness | undefined;
  #connected = false;
  #members: string[] | undefined;
  #stable: string[] | undefined;
  readonly #departures = new Departures();
  readonly #firstStable = deferred();
  #running: Promise<void> | undefined;
  #dirty = false;
  #lost: Promise<void> = Promise.resolve();

  constructor(options: ZkPartitionerOptions = {}) {
    this.options = resolveOptions(options);
    this.#conn = parseConnection(this.options.connection);
    this.#member = encodeURIComponent(this.options.identifier);
    this.#settler = new Settler({
      clock: this.options.clock,
      wait: this.options.partyWait * 1000,
      apply: (members) => this.#settle(members),
    });
  }

  get #partyPath(): string {
    return `${this.#conn.root}/party`;
  }

  /** Where a stopping member announces its departure (an ephemeral node of its name). */
  get #leavingPath(): string {
    return `${this.#conn.root}/leaving`;
  }

  #settle(members: string[]): void {
    this.#stable = members;
    this.options.logger.info(`party settled: ${members.length} member(s)`);
    this.#firstStable.resolve();
    this.#schedule();
  }

  async start(host: PartitionerHost, all: readonly string[], signal: AbortSignal): Promise<void> {
    if (this.#host) throw new Error('ZkPartitioner.start() was called twice');
    this.#host = host;
    this.#all = normalise(all);
    const abort = AbortSignal.any([signal, this.#stopping.signal]);
    await this.#open(abort);
    await Promise.race([this.#firstStable.promise, aborted(abort)]);
    await this.#running;
  }

  async update(all: readonly string[]): Promise<void> {
    const next = normalise(all);
    if (next.join('\n') === this.#all.join('\n')) return;
    this.#all = next;
    this.#schedule();
  }

  owned(): readonly string[] {
    if (!this.#connected || this.#stopping.signal.aborted || !this.#locks) return NOTHING;
    // Checked here too, not only on the timer: after a freeze (SIGSTOP, a long
    // GC pause) the worker may ask before any timer had a chance to run.
    if (this.#session && this.#liveness?.overdue()) {
      this.#fence(this.#session);
      return NOTHING;
    }
    return this.#locks.owned();
  }

  /** The worker begins to stop: announce our departure now (see #announceDeparture). */
  stopping(): void {
    // What we hold now is what the others must take over before we close
    // (our own reading of the announcement may release it before stop()).
    this.#heldAtDeparture ??= this.#locks?.held() ?? [];
    this.#departure ??= this.#announceDeparture();
  }

  #departure: Promise<void> | undefined;
  #heldAtDeparture: string[] | undefined;

  async stop(): Promise<void> {
    if (this.#stopping.signal.aborted) return;
    this.#stopping.abort(new Error('ZkPartitioner stopped'));
    this.#settler.cancel();
    const limit = this.options.sessionTimeout;
    this.stopping();
    await within(this.#departure, limit);
    // A round in flight may wait on ZooKeeper, which queues requests while disconnected.
    await within(this.#running, limit);
    const session = this.#session;
    const locks = this.#locks;
    const connected = this.#connected;
    this.#session = undefined;
    this.#connected = false;
    this.#liveness?.stop();
    const owned = locks?.pauseAll() ?? [];
    await this.#lost;
    try {
      if (owned.length > 0) await this.#host?.release(owned);
      // Closing the session would drop these nodes too; deleting them first
      // makes the hand-over visible to the others before stop() resolves.
      if (session && connected) {
        const held = [...new Set([...(this.#heldAtDeparture ?? []), ...(locks?.held() ?? [])])];
        await within(
          Promise.all([locks?.releaseAll(), session.remove(`${this.#partyPath}/${this.#member}`)]),
          limit,
        );
        await this.#awaitTakeover(locks, held, limit);
      }
    } catch (error) {
      this.options.logger.warn('could not leave the ZooKeeper party cleanly', error);
    } finally {
      session?.close();
    }
  }

  /**
   * Tells the others we are leaving, before we let go of anything: they
   * apply the party without us at once instead of waiting `partyWait` for
   * it to settle, and take each of our partitions as soon as its lock goes.
   * The node is ephemeral, so it goes with our session.
   */
  async #announceDeparture(): Promise<void> {
    const session = this.#session;
    if (!session || !this.#connected) return;
    try {
      await session.create(`${this.#leavingPath}/${this.#member}`, this.options.identifier, true);
    } catch (error) {
      this.options.logger.warn('could not announce leaving the ZooKeeper party', error);
    }
  }

  /**
   * Keeps our session, and with it the departure note, until the others
   * took our partitions (bounded by `limit`): a busy member may read the
   * party only after we closed, and would then see a member vanish
   * unannounced and wait `partyWait` for it.
   */
  async #awaitTakeover(
    locks: LockTable | undefined,
    held: readonly string[],
    limit: number,
  ): Promise<void> {
    const others = (this.#members ?? []).filter((name) => name !== this.#member);
    if (!locks || held.length === 0 || others.length === 0) return;
    const done = new AbortController();
    await within(locks.retaken(held, done.signal), limit);
    done.abort();
  }

  /** Opens a session, joins the party and watches it. */
  async #open(signal: AbortSignal): Promise<void> {
    const session: ZkSession = new ZkSession(this.#conn.hosts, {
      sessionTimeout: this.options.sessionTimeout,
      clock: this.options.clock,
      onUnresumable: () => this.#unresumable(session),
    });
    session.client.on('state', (state: State) => this.#onState(session, state));
    try {
      await session.connect(this.options.connectTimeout, signal);
      await session.mkdirp(this.#partyPath);
      await session.mkdirp(`${this.#conn.root}/locks`);
      await session.mkdirp(this.#leavingPath);
      await this.#join(session, signal);
    } catch (error) {
      session.close();
      throw error;
    }
    this.#session = session;
    this.#locks = new LockTable({
      session,
      root: `${this.#conn.root}/locks`,
      owner: this.options.identifier,
      onFree: () => this.#schedule(),
      onActivate: () => this.#host?.changed(),
    });
    this.#liveness?.stop();
    this.#liveness = new Liveness({
      probe: () => session.exists(this.#partyPath),
      clock: this.options.clock,
      deadline: deadlineOf(session.negotiatedTimeout()),
      onOverdue: () => this.#fence(session),
    });
    this.#liveness.start();
    this.#connected = true;
    await this.#readParty(session);
  }

  /**
   * Nothing came back from ZooKeeper within the deadline: the session may
   * be expiring on the server while we cannot hear it. Pause everything now,
   * while our locks still keep the others out, and drop the connection so
   * the client reconnects and learns whether the session is still alive.
   */
  #fence(session: ZkSession): void {
    if (session !== this.#session || !this.#connected || this.#stopping.signal.aborted) return;
    const liveness = this.#liveness;
    this.options.logger.warn(
      `no answer from ZooKeeper for ${liveness?.silence()} ms (deadline ${liveness?.deadline} ms of a ${session.negotiatedTimeout()} ms session): pausing all partitions until the session is proven alive`,
    );
    this.#connected = false;
    this.#loseAll();
    session.dropConnection();
  }

  /** Creates our ephemeral member node, waiting out a namesake from an old session. */
  async #join(session: ZkSession, signal: AbortSignal): Promise<void> {
    const path = `${this.#partyPath}/${this.#member}`;
    for (;;) {
      if (await session.create(path, this.options.identifier, true)) return;
      const stat = await session.exists(path);
      if (stat?.ephemeralOwner.equals(session.sessionId())) return;
      this.options.logger.warn(
        `a member named ${this.options.identifier} is already in the party; waiting for it to leave (identifiers must be unique)`,
      );
      await this.options.clock.sleep(this.options.sessionTimeout / 2, signal);
      signal.throwIfAborted();
    }
  }

  readonly #partyWatcher = () => {
    const session = this.#session;
    if (session && this.#connected) this.#readParty(session).catch((e) => this.#warn(e));
  };

  async #readParty(session: ZkSession): Promise<void> {
    const [present, leaving] = await Promise.all([
      session.children(this.#partyPath, this.#partyWatcher),
      session.children(this.#leavingPath, this.#partyWatcher),
    ]);
    if (session !== this.#session || this.#stopping.signal.aborted) return;
    const members = this.#departures.read(present, leaving);
    if (this.#members && members.join('\n') === this.#members.join('\n')) return;
    this.options.logger.debug(`party changed: ${members.join(', ')}`);
    this.#members = members;
    const stable = this.#stable;
    const gone =
      stable && !this.#settler.waiting ? this.#departures.announced(stable, members) : undefined;
    if (gone) {
      // Only members that said they leave are gone: nothing to wait for.
      this.options.logger.info(
        gone.includes(this.#member)
          ? 'leaving the party: handing every partition over'
          : `${gone.length} member(s) left the party: rebalancing at once`,
      );
      this.#settle(members);
    } else {
      this.#settler.offer(members);
    }
    this.#departures.keepOnly([...present, ...leaving, ...(this.#stable ?? [])]);
  }

  #onState(session: ZkSession, state: State): void {
    if (session !== this.#session || this.#stopping.signal.aborted) return;
    const { State: S } = zookeeper;
    if (state === S.SYNC_CONNECTED || state === S.CONNECTED_READ_ONLY) {
      this.#liveness?.heard(deadlineOf(session.negotiatedTimeout()));
      if (this.#connected) return;
      this.options.logger.info('reconnected to ZooKeeper');
      this.#connected = true;
      this.#readParty(session).catch((e) => this.#warn(e));
      this.#schedule();
    } else if (state === S.DISCONNECTED) {
      this.options.logger.warn('lost the connection to ZooKeeper: pausing all partitions');
      this.#connected = false;
      this.#loseAll();
    } else if (state === S.EXPIRED) {
      this.options.logger.warn('ZooKeeper session expired: all locks are gone, rejoining');
      this.#drop(session);
    }
  }

  /** ZooKeeper answers but will not resume the session (see ZkSession's watchRefusals). */
  #unresumable(session: ZkSession): void {
    if (session !== this.#session || this.#stopping.signal.aborted) return;
    this.options.logger.warn(
      'ZooKeeper answers but refuses to resume our session (did it lose its data?): dropping it and rejoining with a fresh session; partitions stay paused until then',
    );
    this.#drop(session);
  }

  /** The session is dead: stop at once, close it (no more reconnects) and join with a fresh one. */
  #drop(session: ZkSession): void {
    this.#connected = false;
    this.#loseAll();
    this.#liveness?.stop();
    this.#session = undefined;
    this.#locks = undefined;
    this.#members = undefined;
    session.close();
    // A socket still trying would keep knocking until the close is sent.
    session.dropConnection();
    this.#reopen().catch((e) => this.#warn(e));
  }

  /** Stop processing at once: without a session our locks may vanish any moment. */
  #loseAll(): void {
    const lost = this.#locks?.pauseAll() ?? [];
    if (lost.length === 0 || !this.#host) return;
    const host = this.#host;
    const previous = this.#lost;
    this.#lost = previous.then(() => host.release(lost)).catch((e) => this.#warn(e));
  }

  async #reopen(): Promise<void> {
    for (let attempt = 1; !this.#stopping.signal.aborted; attempt++) {
      try {
        await this.#open(this.#stopping.signal);
        this.options.logger.info('joined the ZooKeeper party with a fresh session');
        this.#schedule();
        return;
      } catch (error) {
        if (this.#stopping.signal.aborted) return;
        this.options.logger.warn('could not rejoin ZooKeeper yet', error);
        await this.options.clock.sleep(retryDelay(attempt), this.#stopping.signal);
      }
    }
  }

  /** Runs #reconcile until nothing changed meanwhile; never two at once. */
  #schedule(): void {
    this.#dirty = true;
    if (this.#running) return;
    this.#running = (async () => {
      let failures = 0;
      while (this.#dirty && !this.#stopping.signal.aborted) {
        this.#dirty = false;
        try {
          await this.#reconcile();
          failures = 0;
        } catch (error) {
          failures++;
          this.#warn(error);
          // A lost connection reschedules on reconnect; anything else retries here.
          if (this.#connected) {
            await this.options.clock
              .sleep(retryDelay(failures), this.#stopping.signal)
              .catch(() => undefined);
            this.#dirty = true;
          }
        }
      }
    })().finally(() => {
      this.#running = undefined;
    });
  }

  async #reconcile(): Promise<void> {
    const locks = this.#locks;
    const host = this.#host;
    if (!this.#connected || !locks || !host || this.#stable === undefined) return;
    await this.#lost;
    const mine = this.#stable.includes(this.#member)
      ? (assignPartitions(this.#stable, this.#all).get(this.#member) ?? [])
      : [];
    const target = new Set(mine);
    const leaving = locks.pause((p) => !target.has(p));
    if (leaving.length > 0) {
      this.options.logger.info(`releasing ${leaving.length} partition(s)`, { partitions: leaving });
      await host.release(leaving);
    }
    // Only now that the worker let go may anyone else take them.
    await locks.releaseExcept(target);
    if (!this.#connected) return;
    if (await locks.acquire(mine)) this.#dirty = true;
  }

  #warn(error: unknown): void {
    this.options.logger.warn('ZooKeeper partitioner:', error);
  }
}

function normalise(all: readonly string[]): string[] {
  return [...new Set(all)].sort();
}
