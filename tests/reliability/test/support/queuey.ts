/** `queuey serve` as a child process, restartable on the same port and storage. */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import { BINS, Proc } from './proc.js';

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface QueueyOptions {
  dir: string;
  /** app name -> key */
  apps: Record<string, string>;
  /** PostgreSQL URL (each QueueyProcess gets its own schema); default a SQLite file in `dir`. */
  postgres?: string;
  port?: number;
}

/** A server that can be killed and started again on the same port and data. */
export class QueueyProcess {
  proc: Proc | undefined;
  port = 0;
  readonly config: string;
  restarts = 0;

  constructor(readonly options: QueueyOptions) {
    this.config = join(options.dir, 'queuey.ini');
    const keys = Object.entries(options.apps).map(([app, key]) => `${app} = ${key}`);
    const storage = options.postgres
      ? [
          'backend = postgres',
          `url = ${options.postgres}`,
          `schema = rel_${basename(options.dir).replace(/\W/g, '_').toLowerCase()}`,
        ]
      : ['backend = sqlite', 'path = queuey.db'];
    writeFileSync(
      this.config,
      [
        '[application_keys]',
        ...keys,
        '[storage]',
        ...storage,
        '[server]',
        'purge_interval = 5',
        '',
      ].join('\n'),
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  appRoot(app = Object.keys(this.options.apps)[0] as string): string {
    return `${this.url}/v1/${app}/`;
  }

  async start(): Promise<void> {
    this.port ||= this.options.port ?? (await freePort());
    const proc = new Proc(`queuey#${this.restarts++}`, BINS.queuey, [
      'serve',
      '-c',
      this.config,
      '--port',
      String(this.port),
    ]);
    this.proc = proc;
    await proc.waitFor(/listening on http/);
  }

  async kill(): Promise<void> {
    await this.proc?.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (!this.proc?.running) return;
    const { code } = await this.proc.kill('SIGTERM');
    if (code !== 0) throw new Error(`queuey exited ${code}:\n${this.proc.output}`);
  }
}
