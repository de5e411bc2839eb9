import type { MessageListener, StoredMessage } from './types.js';

type MessageEvent = Parameters<MessageListener>[0];

/**
 * The event of a committed write: each partition it wrote to once, in
 * order, and the posted messages when they go with it; undefined when it
 * wrote nothing.
 */
export function writeEvent(
  application: string,
  queue: string,
  written: readonly { partition: number }[],
  messages?: readonly StoredMessage[],
): MessageEvent | undefined {
  if (written.length === 0) return undefined;
  const partitions = [...new Set(written.map((m) => m.partition))].sort((a, b) => a - b);
  return { application, queue, partitions, ...(messages ? { messages } : {}) };
}

/**
 * The in-process fan-out behind `Storage.watch`. A failing listener is
 * reported as a process warning and never fails the write that triggered it.
 */
export class Notifier {
  readonly #listeners = new Set<MessageListener>();

  watch(listener: MessageListener): () => void {
    // A wrapper per subscription, so the same function can subscribe twice.
    const entry: MessageListener = (event) => listener(event);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  emit(event: MessageEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        process.emitWarning(`storage watch listener failed: ${String(error)}`);
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
