/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temp folder, start
 * it on a free loopback port with its socket in that folder, and remove it
 * all on stop(). When QDO_TEST_PG_URL is set (e.g. a service started by CI),
 * that database is used instead and stop() leaves it alone.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

export const INSTALL_HINT =
  'PostgreSQL binaries (initdb, pg_ctl) were not found. Install them with ' +
  '`apt-get update && apt-get install -y postgresql` (Debian/Ubuntu), set PG_BIN to their ' +
  'directory, or point QDO_TEST_PG_URL at a running server (postgres://user@host:port/db).';

export interface PostgresCluster {
  url: string;
  stop(): Promise<void>;
}

/** A cluster of this process's own, which a test may restart or freeze. */
export interface OwnPostgresCluster extends PostgresCluster {
  /** `pg_ctl restart -m <mode> -w`: every connection is dropped, the data stays. */
  restart(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>;
  /** SIGSTOPs the postmaster and every backend: connections stay open, nothing answers. */
  freeze(): Promise<void>;
  /** SIGCONTs what freeze() stopped. */
  thaw(): Promise<void>;
  /** The postmaster's pid and its children's (backends, WAL writer, ...), for CPU accounting. */
  pids(): Promise<number[]>;
}

export interface ClusterOptions {
  /**
   * PostgreSQL's durable defaults (fsync, synchronous_commit, full_page_writes
   * on) instead of the fast settings a throwaway test cluster uses.
   */
  durable?: boolean;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>;
}

/** The directory holding initdb/pg_ctl, or undefined when PostgreSQL is not installed. */
export function findPostgresBin(): string | undefined {
  // An explicit PG_BIN is the only place looked at.
  const candidates: string[] = process.env.PG_BIN ? [process.env.PG_BIN] : [];
  const root = '/usr/lib/postgresql';
  if (!process.env.PG_BIN && existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(root, v, 'bin'));
  }
  if (!process.env.PG_BIN) candidates.push('/usr/local/pgsql/bin', '/usr/bin', '/usr/local/bin');
  return candidates.find(
    (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')),
  );
}

/** PostgreSQL refuses to run as root, so as root we run its tools as `postgres`. */
function asPostgres(bin: string, args: string[]): [string, string[]] {
  if (userInfo().uid === 0) return ['runuser', ['-u', 'postgres', '--', bin, ...args]];
  return [bin, args];
}

async function tool(bin: string, args: string[]): Promise<void> {
  const [file, argv] = asPostgres(bin, args);
  try {
    await run(file, argv, { timeout: 60_000 });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${bin} failed: ${e.stderr || e.stdout || e.message}`, { cause: error });
  }
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const external = process.env.QDO_TEST_PG_URL;
  if (external) return { url: external, stop: async () => {} };
  return startOwnPostgresCluster();
}

/** The pids of the postmaster (first line of postmaster.pid) and its children. */
async function clusterPids(data: string): Promise<number[]> {
  const text = await readFile(join(data, 'postmaster.pid'), 'utf8');
  const postmaster = Number(text.split('\n')[0]);
  const children = await run('pgrep', ['-P', String(postmaster)]).then(
    ({ stdout }) => stdout.split('\n').filter(Boolean).map(Number),
    () => [] as number[],
  );
  return [postmaster, ...children];
}

/**
 * Always a cluster of its own (never QDO_TEST_PG_URL), for tests that restart
 * or freeze the database and for benchmarks that need durable settings.
 */
export async function startOwnPostgresCluster(
  clusterOptions: ClusterOptions = {},
): Promise<OwnPostgresCluster> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(INSTALL_HINT);

  const dir = await mkdtemp(join(tmpdir(), 'qdo-pg-'));
  const data = join(dir, 'data');
  await mkdir(data);
  if (userInfo().uid === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    await chown(data, Number(stdout.trim()), Number(gid.trim()));
  }
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    await tool(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions',
    ]);
    const port = await freePort();
    // Durability is irrelevant for a throwaway test cluster; speed is not.
    const fast = clusterOptions.durable
      ? []
      : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'];
    const extra = Object.entries(clusterOptions.settings ?? {}).map(([k, v]) => `-c ${k}=${v}`);
    const options = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      ...fast,
      '-c max_connections=300',
      ...extra,
    ].join(' ');
    const ctl = (command: string, more: string[] = []) =>
      tool(join(bin, 'pg_ctl'), [
        command,
        '-D',
        data,
        '-w',
        '-t',
        '60',
        '-l',
        join(dir, 'postgres.log'),
        '-o',
        options,
        ...more,
      ]);
    await ctl('start');
    let stopped = false;
    let frozen: number[] = [];
    const thaw = async () => {
      for (const pid of frozen.splice(0)) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // it ended meanwhile
        }
      }
    };
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      async restart(mode = 'fast') {
        await ctl('restart', ['-m', mode]);
      },
      async freeze() {
        frozen = await clusterPids(data);
        for (const pid of frozen) process.kill(pid, 'SIGSTOP');
      },
      thaw,
      pids: () => clusterPids(data),
      async stop() {
        if (stopped) return;
        stopped = true;
        await thaw();
        try {
          await tool(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w']);
        } finally {
          await cleanup();
        }
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
