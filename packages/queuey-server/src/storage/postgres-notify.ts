/**
 * Sending the long-poll wake-ups of one storage (see postgres-listener.ts):
 * after a write commits, not inside its transaction, because PostgreSQL
 * takes a database-wide lock while a transaction that notified commits, and
 * every writer would queue on it (and on each other's WAL flush under it).
 * Events that pile up while one NOTIFY is on its way go out together in the
 * next, as one JSON array. A notification that fails is reported and
 * dropped: a waiting reader on another server then wakes at the end of its
 * `wait` (readers always re-read), and readers on this server were woken
 * directly.
 */
import type pg from 'pg';
import type { NotifyPayload } from './postgres-listener.js';

/** PostgreSQL's limit is 8000 bytes per payload; stay under it. */
const MAX_PAYLOAD = 7000;

export class NotificationSender {
  private pending = new Map<string, NotifyPayload>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly channel: () => string,
    private readonly onError: (error: unknown) => void,
  ) {}

  send(event: NotifyPayload): void {
    const key = JSON.stringify([event.a, event.q]);
    const seen = this.pending.get(key);
    if (seen) seen.p = [...new Set([...seen.p, ...event.p])].sort((a, b) => a - b);
    else this.pending.set(key, { ...event, p: [...event.p] });
    this.flushing ??= this.flush().finally(() => {
      this.flushing = undefined;
    });
  }

  /** Resolves once everything sent so far went out (or failed). */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    while (this.pending.size > 0) {
      const events = [...this.pending.values()];
      this.pending.clear();
      for (const payload of chunks(events)) {
        await this.pool
          .query('SELECT pg_notify($1, $2)', [this.channel(), payload])
          .catch((error: unknown) => this.onError(error));
      }
    }
  }
}

/** JSON arrays of the events, each under MAX_PAYLOAD bytes. */
function chunks(events: NotifyPayload[]): string[] {
  const out: string[] = [];
  let batch: string[] = [];
  let size = 2;
  for (const event of events) {
    const text = JSON.stringify(event);
    const bytes = Buffer.byteLength(text);
    if (batch.length > 0 && size + bytes + 1 > MAX_PAYLOAD) {
      out.push(`[${batch.join(',')}]`);
      batch = [];
      size = 2;
    }
    batch.push(text);
    size += bytes + 1;
  }
  if (batch.length > 0) out.push(`[${batch.join(',')}]`);
  return out;
}
