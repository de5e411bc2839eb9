/**
 * A CPU quota for one process, through the kernel's cgroup CPU controller:
 * the process may use `cores` of a core (say 0.25: 2.5 ms of every 10 ms
 * period), however idle the rest of the machine is. The PostgreSQL bench
 * holds each server to the same quota to measure how ingest grows with
 * servers when the servers, not this machine's two cores, are the bound
 * (what servers on hosts of their own would show).
 *
 * cgroup v1 (`/sys/fs/cgroup/cpu`, cpu.cfs_quota_us) and v2 (cpu.max, where
 * the root delegates the cpu controller) are both tried; without either
 * (not root, no controller) `cpuQuota` says why and the bench reports the
 * figure as not measured.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The quota's period: 10 ms, so a held process runs as on a slower core
 * (stopping at most 7.5 ms at a time at a quarter) rather than in bursts
 * with stops of 75 ms, as with the kernel's default of 100 ms.
 */
const PERIOD_US = 10_000;

interface Layout {
  root: string;
  /** Whether this machine has it, with the cpu controller. */
  usable(): boolean;
  limit(dir: string, cores: number): void;
}

const V1: Layout = {
  root: '/sys/fs/cgroup/cpu',
  usable: () => existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'),
  limit(dir, cores) {
    writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
    writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(Math.round(cores * PERIOD_US)));
  },
};

const V2: Layout = {
  root: '/sys/fs/cgroup',
  usable() {
    try {
      const controllers = readFileSync('/sys/fs/cgroup/cgroup.subtree_control', 'utf8');
      return controllers.trim().split(' ').includes('cpu');
    } catch {
      return false;
    }
  },
  limit(dir, cores) {
    writeFileSync(join(dir, 'cpu.max'), `${Math.round(cores * PERIOD_US)} ${PERIOD_US}`);
  },
};

export interface CpuQuota {
  /** Holds a running process (all its threads) to the quota. */
  add(pid: number): void;
  /** Lets the processes go and removes the group. */
  close(): void;
}

let groups = 0;

/** A group holding its processes to `cores` of a core, or why there can be none. */
export function cpuQuota(cores: number): CpuQuota | { unavailable: string } {
  const layout = [V1, V2].find((l) => l.usable());
  if (!layout) return { unavailable: 'no writable cgroup cpu controller (needs root)' };
  const dir = join(layout.root, `qdo-bench-${process.pid}-${groups++}`);
  try {
    mkdirSync(dir);
    layout.limit(dir, cores);
  } catch (error) {
    try {
      rmdirSync(dir);
    } catch {}
    return { unavailable: `cgroup ${dir}: ${(error as Error).message}` };
  }
  const pids: number[] = [];
  return {
    add(pid) {
      writeFileSync(join(dir, 'cgroup.procs'), String(pid));
      pids.push(pid);
    },
    close() {
      // A process still running goes back to the root group; an empty group can go.
      for (const pid of pids)
        try {
          writeFileSync(join(layout.root, 'cgroup.procs'), String(pid));
        } catch {}
      try {
        rmdirSync(dir);
      } catch {}
    },
  };
}
