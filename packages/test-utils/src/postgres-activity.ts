/**
 * What PostgreSQL's backends are doing, sampled: every `intervalMs` one read
 * of pg_stat_activity, counting each backend of one application_name that is
 * not idle by its wait event ("Lock:transactionid", "IO:WALSync", ...; "CPU"
 * when it waits on nothing; "Client:ClientRead (in transaction)" when it sits
 * in an open transaction waiting for its client). For benchmarks and tests
 * that want to see where writers queue.
 */
import pg from 'pg';

export interface WaitProfile {
  /** Reads of pg_stat_activity taken. */
  samples: number;
  /** Backend-samples per wait event. */
  events: Record<string, number>;
}

export interface WaitSampler {
  /** Stops sampling; the profile of everything sampled. */
  stop(): Promise<WaitProfile>;
}

const QUERY = `
  SELECT CASE
           WHEN state LIKE 'idle in transaction%' THEN 'Client:ClientRead (in transaction)'
           ELSE coalesce(wait_event_type || ':' || wait_event, 'CPU')
         END AS event,
         count(*)::int AS n
  FROM pg_stat_activity
  WHERE application_name = $1 AND state <> 'idle' AND pid <> pg_backend_pid()
  GROUP BY 1`;

export async function sampleWaits(
  url: string,
  options: { intervalMs?: number; applicationName?: string } = {},
): Promise<WaitSampler> {
  const client = new pg.Client({ connectionString: url, application_name: 'qdo-wait-sampler' });
  // A dropped sampler connection ends sampling; it must not end the process.
  client.on('error', () => {});
  await client.connect();
  const profile: WaitProfile = { samples: 0, events: {} };
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query<{ event: string; n: number }>(QUERY, [
        options.applicationName ?? 'queuey',
      ]);
      profile.samples++;
      for (const row of rows) profile.events[row.event] = (profile.events[row.event] ?? 0) + row.n;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
    }
  })().catch(() => {});
  return {
    async stop() {
      running = false;
      await loop;
      await client.end().catch(() => {});
      return profile;
    },
  };
}
