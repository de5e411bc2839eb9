/**
 * `pnpm bench [--quick]`: every workload, one table, BENCHMARKS.md, and a
 * last line of JSON with every figure.
 */

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type BenchConfig, parseArgs } from './config.js';
import { drain, drainTemplates } from './drain.js';
import { loadAverage, machine } from './env.js';
import { type Figure, figure } from './figures.js';
import { ingest } from './ingest.js';
import { latency } from './latency.js';
import { metricsCost } from './metrics-cost.js';
import { postgres } from './postgres.js';
import { jsonSummary, table, writeMarkdown } from './report.js';
import { requestCost } from './request-cost.js';
import { routerCost } from './router-cost.js';
import { scale } from './scale.js';
import { ratio } from './stats.js';

const config: BenchConfig = parseArgs(process.argv.slice(2));
const wanted = (s: string) => !config.only || config.only.includes(s);
const started = performance.now();
const loadBefore = loadAverage();
const log = (s: string) =>
  console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0)}s] ${s}`);
log(
  `${config.quick ? 'quick' : 'full'} run, ${config.rounds} round(s); ${machine()}; load ${loadBefore}`,
);

const figures: Figure[] = [];
if (wanted('ingest')) {
  log('ingest');
  figures.push(...(await ingest(config)));
}
let templates: Awaited<ReturnType<typeof drainTemplates>> | undefined;
try {
  if (wanted('drain') || wanted('scale')) {
    log('seeding drain fixtures');
    templates = await drainTemplates(config);
  }
  if (wanted('drain') && templates) {
    log('drain: ours, BullMQ, original');
    figures.push(...(await drain(config, templates)));
  }
  if (wanted('latency')) {
    log('latency');
    figures.push(...(await latency(config)));
  }
  if (wanted('scale') && templates) {
    log('scale: since pages, worker processes');
    figures.push(...(await scale(config, templates.drain)));
  }
} finally {
  templates?.dir.remove();
}
if (wanted('metrics')) {
  log('metrics: per-message cost (micro)');
  figures.push(...metricsCost(config));
}
if (wanted('request-cost')) {
  log('request-cost: client CPU per request, every way of sending it');
  figures.push(...(await requestCost(config)));
}
if (wanted('router')) {
  log('router: server CPU per request, Hono shell / Hono fully / node:http');
  figures.push(...(await routerCost(config)));
}
if (wanted('postgres')) {
  log('postgres: durable cluster, 1-3 servers');
  figures.push(...(await postgres(config, log)));
  figures.push(...besideSqlite(figures));
}

/**
 * PostgreSQL's drain over SQLite's of the same run, when both were measured.
 * The ingest and latency ratios are measured round by round in the
 * PostgreSQL section itself (postgres.ts), SQLite's next to PostgreSQL's.
 */
function besideSqlite(all: readonly Figure[]): Figure[] {
  const get = (id: string) => all.find((f) => f.id === id)?.value;
  const x = get('postgres.drain.w2');
  const y = get('drain.shipped.c8');
  return x && y
    ? [
        figure(
          'postgres.ratio.drain',
          'drain: PostgreSQL 2 workers on 2 servers / SQLite 1 server (shipped)',
          'x',
          ratio(x, y),
        ),
      ]
    : [];
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const out =
  config.out ?? (config.quick ? join(tmpdir(), 'qdo-bench-quick.md') : join(root, 'BENCHMARKS.md'));
const info = {
  date: new Date().toISOString(),
  command: `pnpm bench${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
  machine: machine(),
  loadBefore,
  loadAfter: loadAverage(),
  quick: config.quick,
  seconds: (performance.now() - started) / 1000,
};
console.log(`\n${table(figures)}\n`);
console.log(`load average ${info.loadBefore} before, ${info.loadAfter} after; ${machine()}`);
writeMarkdown(out, info, figures);
console.log(`wrote ${out}`);
console.log(jsonSummary(info, figures));
