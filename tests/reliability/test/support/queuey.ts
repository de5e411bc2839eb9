/** `queuey serve` as a child process, restartable on the same port and storage. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, NodeProcess } from '@qdo/test-utils';
import { BINS } from './proc.js';

export interface QueueyOptions {
  dir: string;
  /** app name -> key */
  apps: Record<string, string>;
  /** PostgreSQL URL and schema (@qdo/test-utils' createPostgresSchema); default a SQLite file in `dir`. */
  postgres?: { url: string; schema: string };
  port?: number;
}

/** A server that can be killed and started again on the same port and data. */
export class QueueyProcess {
  proc: NodeProcess | undefined;
  port = 0;
  readonly config: string;
  restarts = 0;

  constructor(readonly options: QueueyOptions) {
    this.config = join(options.dir, 'queuey.ini');
    const keys = Object.entries(options.apps).map(([app, key]) => `${app} = ${key}`);
    const storage = options.postgres
      ? [
          'backend = postgres',
          `url = ${options.postgres.url}`,
          `schema = ${options.postgres.schema}`,
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
    const proc = new NodeProcess(
      BINS.queuey,
      ['serve', '-c', this.config, '--port', String(this.port)],
      { label: `queuey#${this.restarts++}` },
    );
    this.proc = proc;
    await proc.waitForLine(/^listening on http/);
  }

  async kill(): Promise<void> {
    await this.proc?.stop('SIGKILL');
  }

  async stop(): Promise<void> {
    if (!this.proc?.running) return;
    const { code } = await this.proc.stop('SIGTERM');
    if (code !== 0) throw new Error(`queuey exited ${code}:\n${this.proc.output}`);
  }
}
