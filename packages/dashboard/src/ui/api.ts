import { useEffect, useState } from 'preact/hooks';
import type { PageInfo, RatePoint, Snapshot } from '../api-types.js';

export const info: PageInfo = JSON.parse(document.getElementById('qdo-page')?.textContent ?? '{}');

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin' });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `${res.status}`);
  return body as T;
}

/** Every action: a POST with the page's CSRF token; the answer carries a fresh snapshot. */
export async function act<T = unknown>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': info.csrf },
    body: JSON.stringify(body),
  });
  const answer = await res.json();
  if (!res.ok) throw new Error(answer.error ?? `${res.status}`);
  if (answer.snapshot) live.setSnapshot(answer.snapshot);
  return answer.result as T;
}

type Listener = () => void;

/** The live state from /api/events: the latest snapshot and the throughput history. */
export class Live {
  snapshot: Snapshot | undefined;
  points: RatePoint[] = [];
  connected = false;
  readonly #listeners = new Set<Listener>();

  start() {
    const source = new EventSource('/api/events');
    source.addEventListener('open', () => this.#set(() => (this.connected = true)));
    source.addEventListener('error', () => this.#set(() => (this.connected = false)));
    source.addEventListener('history', (e) => this.#set(() => (this.points = JSON.parse(e.data))));
    source.addEventListener('point', (e) =>
      this.#set(() => {
        const point = JSON.parse(e.data) as RatePoint;
        const oldest = point.t - 3600;
        this.points = [...this.points.filter((p) => p.t >= oldest), point];
      }),
    );
    source.addEventListener('snapshot', (e) => this.setSnapshot(JSON.parse(e.data)));
  }

  setSnapshot(snapshot: Snapshot) {
    if (this.snapshot && snapshot.at < this.snapshot.at) return;
    this.#set(() => (this.snapshot = snapshot));
  }

  #set(change: () => void) {
    change();
    for (const l of this.#listeners) l();
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export const live = new Live();

/** Re-renders the component on every live update. */
export function useLive(): Live {
  const [, tick] = useState(0);
  useEffect(() => live.subscribe(() => tick((n) => n + 1)), []);
  return live;
}
