import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HostAllowList, isLoopbackAddress, listenProblem } from '@qdo/common';
import { collectDefaultMetrics, type Registry } from 'prom-client';
import { ExitError } from '../errors.js';

/** What /readyz asks; see health.ts. */
export interface ReadinessCheck {
  check(): Promise<{ ready: boolean; reason: string }>;
}

export interface MetricsServerOptions {
  /** 0: any free port. */
  port: number;
  /**
   * Default 127.0.0.1; 0.0.0.0 (or ::) to be scraped from outside a
   * container. On loopback only loopback Host names are answered.
   */
  host?: string;
  /** Answers /readyz; without it /readyz is /healthz. */
  health?: ReadinessCheck;
}

const text = (res: ServerResponse, status: number, body: string) =>
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${body}\n`);

/**
 * Serves a Prometheus registry (with Node's process metrics added) at
 * /metrics, liveness at /healthz and readiness at /readyz.
 */
export async function serveMetrics(
  registry: Registry,
  options: MetricsServerOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  if (!registry.getSingleMetric('process_cpu_user_seconds_total'))
    collectDefaultMetrics({ register: registry });
  // Only on loopback: a scraper from elsewhere may use any name. Set once listening (it needs the port).
  const loopback = isLoopbackAddress(host);
  let hosts: HostAllowList | undefined;
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    // DNS rebinding: another site's page, its name resolved to 127.0.0.1, must not read the metrics.
    if (loopback && !hosts?.allows(req.headers.host)) {
      text(res, 421, 'misdirected request: this metrics port answers to 127.0.0.1 and localhost');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      text(res, 405, 'method not allowed; try GET');
      return;
    }
    if (path === '/healthz') {
      text(res, 200, 'ok');
    } else if (path === '/readyz') {
      (options.health?.check() ?? Promise.resolve({ ready: true, reason: 'alive' })).then(
        ({ ready, reason }) =>
          text(res, ready ? 200 : 503, `${ready ? 'ready' : 'not ready'}: ${reason}`),
        (error: unknown) => text(res, 503, `not ready: ${String(error)}`),
      );
    } else if (path === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (error: unknown) => text(res, 500, String(error)),
      );
    } else {
      text(res, 404, 'not found; try /metrics, /healthz or /readyz');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const problem = listenProblem(error, {
        host,
        port: options.port,
        hostSetting: '[qdo-worker] metrics_host',
        portSetting: '[qdo-worker] metrics_port',
      });
      reject(
        problem
          ? new ExitError(2, `metrics: ${problem}`, { cause: error })
          : new ExitError(
              1,
              `metrics: cannot listen on ${host}:${options.port} (${error.code ?? error.message}): check [qdo-worker] metrics_host and metrics_port`,
              { cause: error },
            ),
      );
    });
    server.listen(options.port, host, () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  hosts = new HostAllowList({ port: actual, bound: host });
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${actual}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
