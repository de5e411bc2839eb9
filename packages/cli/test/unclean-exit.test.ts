// After an unclean stop (a job abandoned at shutdown_timeout), qdo-worker
// exits as soon as it has said what it could not save, even though the
// abandoned job still holds a timer that would keep Node running.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useQdoServer, workerConfig } from './qdo-server.js';
import { startBin } from './spawn.js';

const SHUTDOWN_TIMEOUT_S = 2;

describe('qdo-worker after an unclean stop', () => {
  const f = useQdoServer();

  it('exits promptly after its report, not held by the abandoned job', async () => {
    await f.client.createQueue({ queueName: 'jobs' });
    await f.client.postMessage('jobs', 'hang');
    writeFileSync(
      f.dir.file('hang.mjs'),
      // Sleeps ten minutes, ignoring its signal: its timer keeps the event loop busy.
      "export function job() {\n  process.stdout.write('hanging\\n');\n  return new Promise((resolve) => setTimeout(resolve, 600_000));\n}\n",
    );
    writeFileSync(
      f.dir.file('w.conf'),
      workerConfig(f.server.url, {
        job: ['job = ./hang.mjs:job'],
        worker: [`shutdown_timeout = ${SHUTDOWN_TIMEOUT_S}`, 'abort_grace = 0.2'],
      }),
    );
    const worker = startBin('qdo-worker', ['-c', 'w.conf'], { cwd: f.dir.path });
    let reportedAt: number | undefined;
    worker.child.stderr?.on('data', () => {
      if (reportedAt === undefined && /stopped without saving/.test(worker.stderr))
        reportedAt = performance.now();
    });
    await worker.waitForLine(/^hanging$/);
    const signalledAt = performance.now();
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    const exitedAt = performance.now();
    expect(exit.code, worker.output).toBe(1);
    expect(worker.stderr).toMatch(/^qdo-worker: stopped without saving the position of jobs-1 /m);
    expect(worker.stdout).toMatch(/\sworker \S+ stopped$/m);
    expect(reportedAt).toBeDefined();
    const afterReport = exitedAt - (reportedAt as number);
    const total = exitedAt - signalledAt;
    console.log(
      `[unclean-exit] report -> exit ${Math.round(afterReport)} ms, SIGTERM -> exit ${Math.round(total)} ms`,
    );
    // Held by the job's timer it was 2 s: the forced exit's delay.
    expect(afterReport).toBeLessThan(700);
    expect(total).toBeLessThan(SHUTDOWN_TIMEOUT_S * 1000 + 1000);
  });
});
