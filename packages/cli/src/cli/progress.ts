import { systemClock } from '@qdo/common';

/** A one-line progress display on a TTY stream; silent elsewhere and for small inputs. */
export class Progress {
  readonly #stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly #total: number | undefined;
  // Elapsed time: the monotonic clock, which a wall-clock step cannot move.
  readonly #started = systemClock.monotonic();
  #shown = false;

  constructor(stream: NodeJS.WritableStream & { isTTY?: boolean }, totalBytes?: number) {
    this.#stream = stream;
    this.#total = totalBytes;
  }

  /** Worth showing once the input is large (many messages or more than a second). */
  update(count: number, bytes: number): void {
    if (!this.#stream.isTTY) return;
    const elapsed = (systemClock.monotonic() - this.#started) / 1000;
    if (!this.#shown && count < 1000 && elapsed < 1) return;
    this.#shown = true;
    const rate = elapsed > 0 ? Math.round(count / elapsed) : 0;
    let line = `${count} messages, ${rate}/s`;
    if (this.#total) {
      const ratio = Math.min(1, bytes / this.#total);
      const width = 30;
      const done = Math.round(ratio * width);
      line = `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${Math.round(ratio * 100)}% ${line}`;
    }
    this.#stream.write(`\r${line}\u001b[K`);
  }

  done(): void {
    if (this.#shown) this.#stream.write('\r\u001b[K');
  }
}
