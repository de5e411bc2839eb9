/**
 * The hooks of the shipped-worker drain, loaded by `qdo-worker` from its INI
 * file like any user's hooks. `job` is a no-op that counts and, at the
 * expected count, stops the worker the way an operator does (SIGTERM).
 * `jobBatch` is the same no-op for a batch hook (`job_batch`), counting
 * the messages of each batch. `jobContext` is the bench's handle on the run: it says 'ready' to the
 * bench over IPC, waits for 'go' (so process start-up and hook loading are
 * not timed), and at teardown, which the worker runs after its final
 * progress commit, reports the time since 'go' and the process's peak RSS
 * (and its peak before 'go': modules loaded, nothing drained yet) and the CPU
 * time it used since 'go'. In the latency run the job also notes each
 * message's post -> job start time and says 'first' after the first job.
 */
import { performance } from 'node:perf_hooks';
import { peakRssMb } from './env.js';
import { type ChildMessage, reply } from './procs.js';
import { sinceStamp } from './stamp.js';

const expected = Number(process.env.QDO_BENCH_EXPECTED);
/** The latency run: bodies carry the time they were posted (stamp.ts). */
const timed = process.env.QDO_BENCH_LATENCY === '1';
const latencies: number[] = [];
let count = 0;

export function job(message: { body: string }): void {
  if (timed) {
    latencies.push(sinceStamp(message.body));
    if (count === 0) void reply({ type: 'first' });
  }
  count += 1;
  if (count === expected) process.kill(process.pid, 'SIGTERM');
}

export function jobBatch(messages: readonly unknown[]): void {
  count += messages.length;
  if (count === expected) process.kill(process.pid, 'SIGTERM');
}

export async function* jobContext(): AsyncGenerator<Record<string, never>> {
  const go = new Promise<void>((resolve) => {
    const onMessage = (m: ChildMessage) => {
      if (m.type !== 'go') return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
  });
  await reply({ type: 'ready' });
  await go;
  const loadedRssMb = peakRssMb();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  try {
    yield {};
  } finally {
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    await reply({ type: 'done', ms, count, cpuMs, peakRssMb: peakRssMb(), loadedRssMb, latencies });
    process.disconnect?.();
  }
}
