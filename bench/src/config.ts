/** Counts and rounds of a run: the full bench, or `--quick` (a smoke check, one round). */

export interface BenchConfig {
  quick: boolean;
  rounds: number;
  ingestCount: number;
  drainCount: number;
  /** Messages drained by the original per-message algorithm (extrapolated as a rate). */
  originalCount: number;
  latencyCount: number;
  scaleSmall: number;
  scaleLarge: number;
  /** `since` reads per queue and round. */
  sinceReads: number;
  /** Our worker's batch size (WorkerSettings.batchSize). */
  batchSize: number;
  /** Only these sections, when given. */
  only?: string[];
  out?: string;
}

export const SECTIONS = [
  'ingest',
  'drain',
  'latency',
  'scale',
  'metrics',
  'request-cost',
  'router',
  'postgres',
] as const;

export function parseArgs(argv: readonly string[]): BenchConfig {
  const quick = argv.includes('--quick');
  const config: BenchConfig = quick
    ? {
        quick,
        rounds: 1,
        ingestCount: 10_000,
        drainCount: 2_000,
        originalCount: 100,
        latencyCount: 100,
        scaleSmall: 10_000,
        scaleLarge: 50_000,
        sinceReads: 50,
        batchSize: 1000,
      }
    : {
        quick,
        rounds: 3,
        ingestCount: 100_000,
        drainCount: 100_000,
        originalCount: 2_000,
        latencyCount: 1_000,
        scaleSmall: 10_000,
        scaleLarge: 1_000_000,
        sinceReads: 300,
        batchSize: 1000,
      };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--quick' || arg === '--') continue;
    if (arg === '--rounds' && value) config.rounds = positive(arg, value);
    else if (arg === '--batch-size' && value) config.batchSize = positive(arg, value);
    else if (arg === '--only' && value) config.only = value.split(',');
    else if (arg === '--out' && value) config.out = value;
    else
      throw new Error(
        `unknown argument ${arg}; use --quick, --rounds N, --batch-size N, --only ${SECTIONS.join(',')}, --out FILE`,
      );
    i++;
  }
  for (const s of config.only ?? [])
    if (!(SECTIONS as readonly string[]).includes(s))
      throw new Error(`--only: unknown section ${s}; pick from ${SECTIONS.join(', ')}`);
  return config;
}

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name} needs a positive integer, got ${value}`);
  return n;
}
