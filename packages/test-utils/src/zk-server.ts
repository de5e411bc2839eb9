import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

const JAR = process.env.QDO_ZK_JAR ?? '/usr/share/java/zookeeper.jar';
const CONF_DIR = '/etc/zookeeper/conf';
// Without a binding ZooKeeper logs nothing; with it its log file explains a failed start.
const LOG_BINDING = '/usr/share/java/slf4j-simple.jar';
const INSTALL_HINT =
  'install them with `apt-get install -y zookeeper` (Debian: OpenJDK and /usr/share/java/zookeeper.jar), or point QDO_TEST_ZK=host:port at a running server';

export interface ZkServer {
  /** `127.0.0.1:<port>`, without a chroot. */
  readonly connection: string;
  readonly port: number;
  readonly dataDir: string;
  readonly running: boolean;
  /** Stops the server process (SIGKILL: sessions survive in the data dir, as after a crash). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  start(): Promise<void>;
  /** Stops it and deletes its data (every node and session), as a lost disk does; start() gives an empty server. */
  wipe(): Promise<void>;
  /** Stops it and deletes its data dir. */
  close(): Promise<void>;
}

export interface ZkServerOptions {
  /** ms; sessions may last 2..20 ticks. Default 100 (sessions 200 ms..2 s). */
  tickTime?: number;
  maxSessionTimeout?: number;
}

/** Fails with how to install ZooKeeper when Java or the jar are missing. */
export function assertZooKeeperInstalled(): void {
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (java.error || java.status !== 0) {
    throw new Error(`Java is missing, so no ZooKeeper test server can start: ${INSTALL_HINT}`);
  }
  if (!existsSync(JAR)) {
    throw new Error(`ZooKeeper is missing (no ${JAR}): ${INSTALL_HINT}`);
  }
}

/** A standalone ZooKeeper on 127.0.0.1 with its own port and data dir. */
export async function startZkServer(options: ZkServerOptions = {}): Promise<ZkServer> {
  assertZooKeeperInstalled();
  const tickTime = options.tickTime ?? 100;
  const dataDir = await mkdtemp(join(tmpdir(), 'qdo-zk-'));
  const port = await freePort();
  const config = join(dataDir, 'zoo.cfg');
  await writeFile(
    config,
    [
      `tickTime=${tickTime}`,
      `dataDir=${join(dataDir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      `maxSessionTimeout=${options.maxSessionTimeout ?? tickTime * 20}`,
      '4lw.commands.whitelist=ruok,srvr',
      'autopurge.purgeInterval=0',
    ].join('\n'),
  );
  const log = join(dataDir, 'zookeeper.log');
  let child: ChildProcess | undefined;

  const start = async () => {
    if (child) return;
    const out = openSync(log, 'a');
    const proc = spawn(
      'java',
      ['-Xmx128m', '-cp', classPath(), 'org.apache.zookeeper.server.quorum.QuorumPeerMain', config],
      { stdio: ['ignore', out, out] },
    );
    child = proc;
    proc.once('exit', () => {
      if (child === proc) child = undefined;
    });
    const deadline = Date.now() + 60_000;
    while (!(await ready(port))) {
      if (!child) throw new Error(`ZooKeeper exited at start:\n${await tail(log)}`);
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `ZooKeeper did not answer on port ${port} within 60 s:\n${await tail(log)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const stop = async () => {
    const proc = child;
    if (!proc) return;
    child = undefined;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    connection: `127.0.0.1:${port}`,
    port,
    dataDir,
    get running() {
      return child !== undefined;
    },
    start,
    stop,
    wipe: async () => {
      await stop();
      await rm(join(dataDir, 'data'), { recursive: true, force: true });
    },
    close: async () => {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function classPath(): string {
  return [CONF_DIR, JAR, ...(existsSync(LOG_BINDING) ? [LOG_BINDING] : [])].join(':');
}

/**
 * True once ZooKeeper serves clients. 'ruok' answers 'imok' as soon as the
 * port is open, before the database is loaded; 'srvr' reports a Mode only
 * when requests are served.
 */
export function ready(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(port, host, () => socket.end('srvr'));
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('data', (d) => {
      answer += String(d);
    });
    socket.on('close', () => resolve(answer.includes('Mode: ')));
    socket.on('error', () => resolve(false));
  });
}

async function tail(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').slice(-20).join('\n');
}
