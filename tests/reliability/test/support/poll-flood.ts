/**
 * Anonymous long-polls from many loopback addresses (127.0.0.0/8 is all
 * loopback on Linux), each re-issued as soon as it ends, over keep-alive
 * connections: a held answer (200) goes again at once, a refusal (429/503)
 * after its Retry-After, an error after 100 ms. Every loop stops by itself
 * at `until` (a performance.now() time) or when stopped.
 */
import { setMaxListeners } from 'node:events';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { NodeProcess, tsxLoader } from '@qdo/test-utils';

export interface FloodTally {
  /** Polls sent. */
  sent: number;
  /** Polls answered 200 (held until their wait ran out, or with messages). */
  held: number;
  refused: { 429: number; 503: number };
  /** Ms from sending to the whole answer, of every refusal. */
  refusalMs: number[];
  /** Requests that failed without an answer (reset, refused connection). */
  errors: number;
  /** Other statuses, by status. */
  other: Record<number, number>;
}

export interface Flood {
  tally: FloodTally;
  /** Polls sent and not yet answered. */
  inFlight(): number;
  /** Stops every loop and waits for them; idempotent. */
  stop(): Promise<void>;
}

export function startPollFlood(options: {
  url: string;
  /** Path and query, e.g. `/v1/app/queue?wait=10`. */
  path: string;
  addresses: readonly string[];
  perAddress: number;
  until: number;
}): Flood {
  const tally: FloodTally = {
    sent: 0,
    held: 0,
    refused: { 429: 0, 503: 0 },
    refusalMs: [],
    errors: 0,
    other: {},
  };
  const controller = new AbortController();
  // Every loop waiting out a Retry-After listens for the stop.
  setMaxListeners(options.addresses.length * options.perAddress + 10, controller.signal);
  const agents = options.addresses.map(
    (address) =>
      new Agent({ keepAlive: true, maxSockets: options.perAddress, localAddress: address }),
  );
  let inFlight = 0;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        controller.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      controller.signal.addEventListener('abort', done);
    });
  const loop = async (agent: Agent) => {
    while (!controller.signal.aborted && performance.now() < options.until) {
      const started = performance.now();
      inFlight++;
      tally.sent++;
      const { status, retryAfter } = await send(`${options.url}${options.path}`, agent);
      inFlight--;
      // stop() cuts the polls it finds held: not the server's answer.
      if (controller.signal.aborted) break;
      if (status === 200) {
        tally.held++;
        continue;
      }
      if (status === 429 || status === 503) {
        tally.refused[status]++;
        tally.refusalMs.push(performance.now() - started);
      } else if (status === undefined) tally.errors++;
      else tally.other[status] = (tally.other[status] ?? 0) + 1;
      await pause(retryAfter === undefined ? 100 : retryAfter * 1000);
    }
  };
  const loops = agents.flatMap((agent) =>
    Array.from({ length: options.perAddress }, () => loop(agent)),
  );
  let stopped: Promise<void> | undefined;
  return {
    tally,
    inFlight: () => inFlight,
    stop() {
      stopped ??= (async () => {
        controller.abort();
        // Ends the held polls too: their sockets close, their requests fail.
        for (const agent of agents) agent.destroy();
        await Promise.all(loops);
      })();
      return stopped;
    },
  };
}

interface Sent {
  /** Undefined when it failed without an answer. */
  status: number | undefined;
  /** Seconds. */
  retryAfter?: number;
}

/** One GET; a held one ends with its wait (or when stop() destroys the agents). */
function send(url: string, agent: Agent): Promise<Sent> {
  return new Promise((resolve) => {
    const req = request(url, { agent }, (response) => {
      response.resume();
      const header = Number(response.headers['retry-after']);
      const retryAfter = Number.isFinite(header) ? { retryAfter: header } : {};
      response.once('end', () => resolve({ status: response.statusCode, ...retryAfter }));
      response.once('error', () => resolve({ status: undefined }));
      response.once('aborted', () => resolve({ status: undefined }));
    });
    req.once('error', () => resolve({ status: undefined }));
    req.end();
  });
}

/** The flood in a child process (children/poll-flood.ts); the same counts over IPC. */
export interface FloodProcess {
  /** The counts so far, and polls not yet answered. */
  read(): Promise<{ tally: FloodTally; inFlight: number }>;
  /** Stops the flood; the counts as it stopped. */
  stop(): Promise<{ tally: FloodTally; inFlight: number }>;
  proc: NodeProcess;
}

export async function startFloodProcess(
  options: Omit<Parameters<typeof startPollFlood>[0], 'until'> & { durationMs: number },
): Promise<FloodProcess> {
  const proc = new NodeProcess(
    fileURLToPath(new URL('./children/poll-flood.ts', import.meta.url)),
    [],
    {
      label: 'poll-flood',
      node: ['--import', tsxLoader(import.meta.url)],
      ipc: true,
      env: { QDO_TEST_FLOOD: JSON.stringify(options) },
    },
  );
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      const exited = () => reject(new Error(`poll flood exited:\n${proc.output}`));
      proc.child.once('exit', exited);
      proc.child.once('message', (m) => {
        proc.child.off('exit', exited);
        resolve(m as T);
      });
    });
  await next<string>();
  let stopped: Promise<{ tally: FloodTally; inFlight: number }> | undefined;
  return {
    proc,
    read() {
      const answer = next<{ tally: FloodTally; inFlight: number }>();
      proc.child.send('tally');
      return answer;
    },
    stop() {
      stopped ??= (async () => {
        const answer = next<{ tally: FloodTally; inFlight: number }>();
        proc.child.send('stop');
        const last = await answer;
        await proc.exited;
        return last;
      })();
      return stopped;
    },
  };
}
