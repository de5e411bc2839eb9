import { dirname } from 'node:path';
import {
  type Job,
  type JobBatch,
  type JobContext,
  type JobFailure,
  PrometheusMetrics,
  UncleanShutdownError,
  Worker,
} from '@qdo/core';
import { logFailure } from '@qdo/failure';
import { defineCommand } from '../cli/command.js';
import { clientFor, resolveTarget } from '../cli/connect.js';
import { type EmbeddedServer, startEmbedded } from '../cli/embedded.js';
import { WorkerHealth } from '../cli/health.js';
import { applyHeapProfile } from '../cli/heap.js';
import { announcer, workerLogger } from '../cli/logging.js';
import { serveMetrics } from '../cli/metrics-server.js';
import { type QdoConfig, settingsOf } from '../config/options.js';
import { ExitError } from '../errors.js';
import { loadHook } from '../hooks.js';
import { ensureQueues } from './create-queues.js';
import { startDashboard } from './dashboard.js';
import { loadPartitioner } from './partitioner.js';

export const WORKER_USAGE = `Usage: qdo-worker [-c FILE] [--connection URLS] [--app-key KEY] [--debug]

Runs the qdo worker: processes the messages of the Queuey partitions it owns
with the job hook of the config file.

  -c, --config FILE    config file (default etc/qdo-worker.conf)
      --connection URLS  Queuey app-root URL(s), comma separated (overrides [queuey] connection)
      --app-key KEY    application key (overrides $QDO_APP_KEY and [queuey] app_key)
      --strict         unknown config sections and keys are errors, not warnings
      --debug          print stack traces
  -v, --version        print the version
  -h, --help           this help`;

/**
 * `qdo-worker` / `qdo worker`: runs until SIGINT/SIGTERM (exit 0 when every
 * finished message was committed) or a failing job_failure (exit 1); a stop
 * that left positions unsaved exits 1 naming those partitions.
 */
export const workerCommand = defineCommand(
  { name: 'qdo-worker', usage: WORKER_USAGE },
  async ({ values }, io) => {
    // A signal while the worker is still starting (loading hooks, starting the
    // embedded server) stops it cleanly, exit 0, once it exists, instead of
    // Node's default of dying mid-setup.
    const early = new AbortController();
    const onEarlySignal = (signal: NodeJS.Signals) => {
      if (early.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
      early.abort();
    };
    const offEarlySignals = () => {
      process.off('SIGINT', onEarlySignal);
      process.off('SIGTERM', onEarlySignal);
    };
    process.on('SIGINT', onEarlySignal);
    process.on('SIGTERM', onEarlySignal);
    const cleanups: (() => Promise<void>)[] = [async () => offEarlySignals()];
    try {
      const target = resolveTarget(values, io, { requireJob: true });
      const { config } = target;
      applyHeapProfile(config.worker.heap, io.env);
      const logger = workerLogger(config.worker, io);
      const hooks = await loadHooks(config);
      const partitioner = await loadPartitioner(config, logger);
      let embedded: EmbeddedServer | undefined;
      if (config.queuey.embedded && !values.connection) {
        const { db, port } = config.queuey.embedded;
        const serverLogger = workerLogger(config.worker, io, 'queuey');
        embedded = await startEmbedded({ db, port, appKey: target.appKey, logger: serverLogger });
        cleanups.unshift(() => embedded?.close() ?? Promise.resolve());
        target.connection = [embedded.appRoot];
        target.appKey = embedded.appKey;
        announceEmbedded(embedded, announcer(config.worker, io));
      }
      const queuey = clientFor(target);
      await ensureQueues(queuey, embedded ? ['example'] : []);
      const metrics = new PrometheusMetrics();
      const health = new WorkerHealth(partitioner, queuey);
      if (config.worker.metricsPort !== undefined) {
        const { metricsPort: port, metricsHost: host } = config.worker;
        const server = await serveMetrics(metrics.registry, { port, host, health });
        cleanups.unshift(() => server.close());
        announcer(config.worker, io)(`metrics: ${server.url}`);
      }
      if (config.dashboard.port !== undefined) {
        const { port, host, allowedHosts } = config.dashboard;
        const token = io.env.QDO_DASHBOARD_TOKEN || undefined;
        const dashboard = await startDashboard({
          queuey,
          config,
          host,
          port,
          allowedHosts,
          readOnly: false,
          token,
        });
        cleanups.unshift(() => dashboard.close());
        announcer(config.worker, io)(`dashboard on ${dashboard.url}`);
      }
      const w = config.worker;
      const worker = new Worker<unknown>({
        queuey,
        ...(hooks.job ? { job: hooks.job } : {}),
        ...(hooks.jobBatch ? { jobBatch: hooks.jobBatch } : {}),
        ...(hooks.jobContext ? { jobContext: hooks.jobContext } : {}),
        jobFailure: hooks.jobFailure,
        partitioner,
        metrics,
        signal: early.signal,
        logger,
        settings: settingsOf(w),
      });
      health.watch(worker);
      const uninstall = worker.handleSignals();
      offEarlySignals();
      cleanups.unshift(async () => uninstall());
      try {
        await worker.work();
      } catch (error) {
        // An unclean stop names the partitions whose positions were not saved.
        const message = (error as Error)?.message ?? String(error);
        const unclean = (error as { code?: unknown })?.code === UncleanShutdownError.code;
        throw new ExitError(1, unclean ? message : `worker stopped: ${message}`, { cause: error });
      }
      return 0;
    } finally {
      for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    }
  },
);

function announceEmbedded(server: EmbeddedServer, say: (text: string) => void): void {
  // The one place an app key is printed: the embedded server made it for
  // this local run, and a curl line is of no use without it.
  say(
    [
      `Queuey (embedded): ${server.appRoot}`,
      `app key: ${server.appKey}`,
      `post a message: curl -X POST -H 'Authorization: Application ${server.appKey}' -d 'hello' ${server.appRoot}example`,
      '',
    ].join('\n'),
  );
}

async function loadHooks(config: QdoConfig) {
  const dir = dirname(config.file);
  const { job, jobBatch, jobContext, jobFailure } = config.worker;
  // The config check let through exactly one of job and job_batch.
  return {
    job: job ? await loadHook<Job<unknown>>(job, dir) : undefined,
    jobBatch: jobBatch ? await loadHook<JobBatch<unknown>>(jobBatch, dir) : undefined,
    jobContext: jobContext ? await loadHook<JobContext<unknown>>(jobContext, dir) : undefined,
    jobFailure: jobFailure
      ? await loadHook<JobFailure<unknown>>(jobFailure, dir)
      : (logFailure as JobFailure<unknown>),
  };
}
