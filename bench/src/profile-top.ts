/**
 * `node bench/dist/profile-top.js DIR [N]`: the top self-time functions of
 * each `.cpuprofile` in DIR (as written by `BENCH_CPU_PROF=DIR pnpm bench`),
 * with the share of the process's samples, idle and GC included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function topSelf(
  profile: Profile,
  n: number,
): { name: string; ms: number; share: number }[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const frame = byId.get(id)?.callFrame;
    const where = frame?.url ? ` ${shorten(frame.url)}:${frame.lineNumber + 1}` : '';
    const name = `${frame?.functionName || '(anonymous)'}${where}`;
    self.set(name, (self.get(name) ?? 0) + us);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
}

function shorten(url: string): string {
  const at = url.lastIndexOf('node_modules/');
  if (at >= 0)
    return url.slice(at + 'node_modules/'.length).replace(/^\.pnpm\/[^/]+\/node_modules\//, '');
  const pkg = /\/(packages\/[^/]+\/.*|bench\/.*)$/.exec(url);
  return pkg?.[1] ?? url.replace(/^file:\/\//, '');
}

const [dir, count] = process.argv.slice(2);
if (dir) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
    const ms = profile.timeDeltas.reduce((a, b) => a + b, 0) / 1000;
    console.log(`\n${basename(file)}: ${ms.toFixed(0)} ms sampled`);
    for (const row of topSelf(profile, Number(count ?? 15)))
      console.log(
        `${(row.share * 100).toFixed(1).padStart(5)}%  ${row.ms.toFixed(0).padStart(6)} ms  ${row.name}`,
      );
  }
}
