/**
 * An HTTP relay that misbehaves at random (seeded): it stalls requests,
 * resets connections before or after the target saw the request, cuts an
 * answer off after half its body, answers 500 with an HTML page, or is slow. What it did is counted per fault.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type Fault =
  | 'pass'
  | 'slow'
  | 'stall'
  | 'reset-before'
  | 'reset-after'
  | 'truncate'
  | 'error500';

export interface ChaosOptions {
  target: string; // http://127.0.0.1:port
  random: () => number;
  /** Share of each fault; the rest passes. */
  rates: Partial<Record<Exclude<Fault, 'pass'>, number>>;
  /** How long a stalled request is held before its connection is dropped. */
  stallMs: number;
}

export interface ChaosProxy {
  url: string;
  counts: Record<Fault, number>;
  requests: number;
  /** Turns the faults off (everything passes) or back on. */
  calm(on: boolean): void;
  close(): Promise<void>;
}

export async function startChaosProxy(options: ChaosOptions): Promise<ChaosProxy> {
  const target = new URL(options.target);
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const counts: Record<Fault, number> = {
    pass: 0,
    slow: 0,
    stall: 0,
    'reset-before': 0,
    'reset-after': 0,
    truncate: 0,
    error500: 0,
  };
  let calm = false;
  const state = { requests: 0 };

  const pick = (): Fault => {
    if (calm) return 'pass';
    let r = options.random();
    for (const [fault, rate] of Object.entries(options.rates) as [Fault, number][]) {
      if (r < rate) return fault;
      r -= rate;
    }
    return 'pass';
  };
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    mode: 'pass' | 'drop' | 'truncate' = 'pass',
  ) => {
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        if (mode === 'drop') {
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (mode === 'pass') {
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          res.write(body.subarray(0, Math.floor(body.length / 2)));
          // Let the half answer leave, then break the connection.
          setImmediate(() => req.socket.destroy());
        });
      },
    );
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    state.requests += 1;
    const fault = pick();
    counts[fault] += 1;
    switch (fault) {
      case 'pass':
        return forward(req, res);
      case 'slow':
        return later(Math.floor(options.random() * 200), () => forward(req, res));
      case 'stall':
        return later(options.stallMs, () => req.socket.destroy());
      case 'reset-before':
        return req.socket.destroy();
      case 'reset-after':
        // The target did the work; the client never hears of it.
        return forward(req, res, 'drop');
      case 'truncate':
        return forward(req, res, 'truncate');
      case 'error500':
        req.resume();
        res.writeHead(500, { 'content-type': 'text/html' });
        return res.end('<html><body>502 Bad Gateway (chaos)</body></html>');
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    get requests() {
      return state.requests;
    },
    calm: (on) => {
      calm = on;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
