import { listenProblem } from '@qdo/common';
import type { QueueyClient } from '@qdo/queuey-client';
import { intFlag } from '../cli/args.js';
import { defineCommand } from '../cli/command.js';
import { clientFor, resolveTarget } from '../cli/connect.js';
import type { QdoConfig } from '../config/options.js';
import { ExitError, UsageError } from '../errors.js';

export const DASHBOARD_USAGE = `Usage: qdo dashboard [-c FILE] [--host 127.0.0.1] [--port N] [--read-only] [--token T]
                     [--allowed-host NAME]...

Serves a web dashboard: lag and throughput, partitions, workers, failed
messages (replay, purge), seek and post. The app key stays in this process.
  --host HOST     address to bind (default 127.0.0.1); any non-loopback
                  address needs a token
  --port N        port (default 0: any free one)
  --read-only     show everything, change nothing
  --token T       required to open the dashboard (or $QDO_DASHBOARD_TOKEN),
                  at least 16 characters (openssl rand -hex 16);
                  open http://HOST:PORT/?token=T once per browser
  --allowed-host NAME
                  a Host name to answer to besides 127.0.0.1, localhost,
                  [::1] and HOST (repeatable; INI [dashboard] allowed_hosts);
                  any other name gets 421 (DNS rebinding)
  --sample S      seconds between samples (default 5)
Under [partitions] policy = automatic the Workers page also lists
ZooKeeper's party ([zookeeper] connection; needs @qdo/zookeeper).
  -c FILE, --connection URLS, --app-key KEY as for every command`;

type DashboardModule = typeof import('@qdo/dashboard');
type RunningDashboard = Awaited<ReturnType<DashboardModule['serveDashboard']>>;

export const dashboardCommand = defineCommand(
  {
    name: 'qdo dashboard',
    usage: DASHBOARD_USAGE,
    flags: {
      host: 'string',
      port: 'string',
      'read-only': 'boolean',
      token: 'string',
      sample: 'string',
      'allowed-host': 'strings',
    },
  },
  async ({ values, positionals }, io) => {
    if (positionals.length > 0)
      throw new UsageError(`qdo dashboard takes no arguments, got "${positionals[0]}"`);
    const port = intFlag(values.port, 'port', { min: 0, max: 65535 }) ?? 0;
    const sampleSeconds = intFlag(values.sample, 'sample', { min: 1, max: 3600 });
    const token = values.token || io.env.QDO_DASHBOARD_TOKEN || undefined;
    const target = resolveTarget(values, io);
    const running = await startDashboard({
      queuey: clientFor(target),
      config: target.config,
      host: values.host ?? '127.0.0.1',
      port,
      allowedHosts: values['allowed-host'] ?? target.config.dashboard.allowedHosts,
      readOnly: values['read-only'] ?? false,
      token,
      sampleSeconds,
      settings: { host: '--host', port: '--port' },
    });
    io.stdout.write(`dashboard on ${running.url}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await running.close();
    return 0;
  },
);

/**
 * Loads @qdo/dashboard (an optional peer) and serves it; `qdo dashboard` and
 * a worker with `[dashboard] port` both start it here. Under the automatic
 * policy its Workers page also lists ZooKeeper's party.
 */
export async function startDashboard(options: {
  queuey: QueueyClient;
  config: QdoConfig;
  host: string;
  port: number;
  allowedHosts: readonly string[];
  readOnly: boolean;
  token: string | undefined;
  sampleSeconds?: number | undefined;
  /** How the user named host and port, for errors; default the [dashboard] keys. */
  settings?: { host: string; port: string };
}): Promise<RunningDashboard> {
  const { config, host, port, token, sampleSeconds } = options;
  let dashboard: DashboardModule;
  try {
    dashboard = await import('@qdo/dashboard');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND')
      throw new ExitError(
        2,
        'the dashboard needs @qdo/dashboard: install it (pnpm add @qdo/dashboard)',
        { cause: error },
      );
    throw error;
  }
  try {
    return await dashboard.serveDashboard({
      queuey: options.queuey,
      host,
      port,
      allowedHosts: options.allowedHosts,
      readOnly: options.readOnly,
      ...(token ? { token } : {}),
      ...(sampleSeconds ? { sampleSeconds } : {}),
      ...(config.partitions.policy === 'automatic'
        ? { zookeeper: { connection: config.zookeeper.connection } }
        : {}),
    });
  } catch (error) {
    if (dashboard.isDashboardError(error)) throw new ExitError(2, error.message, { cause: error });
    const settings = options.settings ?? { host: '[dashboard] host', port: '[dashboard] port' };
    const problem = listenProblem(error, {
      host,
      port,
      hostSetting: settings.host,
      portSetting: settings.port,
    });
    if (problem) throw new ExitError(2, `dashboard: ${problem}`, { cause: error });
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new ExitError(1, `dashboard port ${port} on ${host} is in use`, { cause: error });
    throw error;
  }
}
