/**
 * Cross-server wake-ups for long-polls: after every write commits, its storage
 * NOTIFYs a channel (postgres-notify.ts; a payload is one event or an array
 * of them), and each storage keeps one dedicated connection LISTENing there. Events this instance sent
 * itself are skipped here because it already delivered them right after its
 * own commit. A dropped connection is reopened with back-off; events sent
 * while it was down are lost, which only delays a waiting reader until its
 * `wait` runs out — nothing is skipped, since readers always re-read.
 */
import { createHash } from 'node:crypto';
import { backoff } from '@qdo/common';
import pg from 'pg';
import type { MessageListener } from './types.js';

export interface NotifyPayload {
  /** The sending storage instance. */
  s: string;
  a: string;
  q: string;
  p: number[];
}

/** The channel for one schema; identifiers are capped at 63 bytes. */
export function channelFor(schema: string): string {
  const name = `queuey_${schema}`;
  if (Buffer.byteLength(name) <= 63) return name;
  return `queuey_${createHash('sha1').update(schema).digest('hex')}`;
}

export interface ListenerOptions {
  config: pg.ClientConfig;
  channel: string;
  instance: string;
  deliver: MessageListener;
  onError: (error: unknown) => void;
  /** Longest pause between reconnection attempts, ms (before jitter). Default 5000. */
  maxBackoff?: number;
}

/** The first pause before reconnecting, ms; it doubles with each failed attempt. */
const FIRST_BACKOFF_MS = 50;

export class NotificationListener {
  private client: pg.Client | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  /** Reconnection attempts since LISTEN was last in place. */
  private attempts = 0;
  private readonly options: ListenerOptions;
  /** Whether LISTEN is in place right now. */
  connected = false;

  constructor(options: ListenerOptions) {
    this.options = options;
  }

  /** The first connection; its failure is the caller's (init fails). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.options.config);
    client.on('notification', (msg) => this.onNotification(msg.payload));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, undefined));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel}"`);
    } catch (error) {
      this.client = undefined;
      client.end().catch(() => {});
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.connected = true;
    this.attempts = 0;
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.connected = false;
    client.end().catch(() => {});
    if (this.closed) return;
    if (error) this.options.onError(error);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
    this.attempts += 1;
    // Jittered, so servers that lost the database together do not reconnect in step.
    const delay = backoff({
      attempt: this.attempts,
      base: FIRST_BACKOFF_MS,
      max: this.options.maxBackoff ?? 5000,
      jitter: 0.5,
    });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connect().catch((error) => {
        this.options.onError(error);
        this.scheduleReconnect();
      });
    }, delay);
    this.timer.unref();
  }

  private onNotification(payload: string | undefined): void {
    if (!payload) return;
    let events: NotifyPayload[];
    try {
      const parsed = JSON.parse(payload) as NotifyPayload | NotifyPayload[];
      events = Array.isArray(parsed) ? parsed : [parsed];
    } catch (error) {
      this.options.onError(error);
      return;
    }
    for (const event of events) {
      if (event.s === this.options.instance) continue;
      this.options.deliver({ application: event.a, queue: event.q, partitions: event.p });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    await client?.end().catch(() => {});
  }
}
