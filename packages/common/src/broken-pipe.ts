/**
 * What this needs of a stream: its 'error' event. Typed structurally, not as
 * Node's stream type, so the package's types stay free of @types/node (the
 * client, which depends on this package, runs wherever fetch does).
 */
export interface PipeStream {
  on(event: 'error', listener: (error: Error & { code?: unknown }) => void): unknown;
}

/**
 * Makes a closed stdout or stderr (`qdo errors ls | head -1`) end the
 * process quietly instead of with an unhandled EPIPE and its stack trace.
 * A command that handles SIGTERM (a worker, a server) stops as on SIGTERM,
 * cleanly; any other exits at once, as there is nobody left to read it:
 * with the exit code already set (a failure it was reporting), else 0.
 * Later errors of a closed stream are ignored: there is no one to tell.
 */
export function endOnBrokenPipe(
  streams: readonly PipeStream[] = [process.stdout, process.stderr],
): void {
  let ended = false;
  for (const stream of streams) {
    let closed = false;
    stream.on('error', (error: Error & { code?: unknown }) => {
      if (closed) return;
      if (error.code !== 'EPIPE') throw error;
      closed = true;
      if (ended) return;
      ended = true;
      if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM', 'SIGTERM');
      else process.exit();
    });
  }
}
