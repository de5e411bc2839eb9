/**
 * The bench's own side of a figure (the producer of ingest, say) profiled
 * beside its children: with BENCH_CPU_PROF set, `work` runs under a CPU
 * profile of this process, written there as `<name>-<time>.cpuprofile`
 * (profile-top.js reads it with the children's).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { profileDir } from './procs.js';

export async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!profileDir) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(join(profileDir, `${name}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
  }
}
