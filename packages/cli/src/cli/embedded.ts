import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { listenProblem } from '@qdo/common';
import { ExitError } from '../errors.js';

export interface EmbeddedServer {
  /** Server root, e.g. http://127.0.0.1:5000 (no trailing slash). */
  url: string;
  /** The app-root URL clients use. */
  appRoot: string;
  appKey: string;
  close(): Promise<void>;
}

interface ServerModule {
  startServer(options: {
    host?: string;
    port?: number;
    db?: string;
    applications?: Record<string, string | string[]>;
  }): Promise<{ url: string; applications: Record<string, string[]>; close(): Promise<void> }>;
}

/**
 * Starts @qdo/queuey-server in this process on a SQLite file. The package is
 * an optional peer, imported only here, so a worker that talks to a remote
 * Queuey installs no native module.
 */
export async function startEmbedded(options: {
  db: string;
  port: number;
  appKey: string | undefined;
}): Promise<EmbeddedServer> {
  let server: ServerModule;
  try {
    server = (await import('@qdo/queuey-server')) as unknown as ServerModule;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new ExitError(
        2,
        '[queuey] connection = embedded needs @qdo/queuey-server: install it (pnpm add @qdo/queuey-server) or point connection at a running server',
        { cause: error },
      );
    }
    throw error;
  }
  if (options.db !== ':memory:') mkdirSync(dirname(options.db), { recursive: true });
  let started: Awaited<ReturnType<ServerModule['startServer']>>;
  try {
    started = await server.startServer({
      host: '127.0.0.1',
      port: options.port,
      db: options.db,
      ...(options.appKey ? { applications: { queuey: [options.appKey] } } : {}),
    });
  } catch (error) {
    const problem = listenProblem(error, {
      host: '127.0.0.1',
      port: options.port,
      hostSetting: 'host',
      portSetting: '[queuey] embedded_port',
    });
    if (problem) throw new ExitError(2, `embedded Queuey server: ${problem}`, { cause: error });
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ExitError(
        1,
        `embedded Queuey server: port ${options.port} on 127.0.0.1 is in use (set [queuey] embedded_port, or stop the other server)`,
        { cause: error },
      );
    }
    throw error;
  }
  const appKey = started.applications.queuey?.[0];
  if (!appKey) {
    await started.close();
    throw new ExitError(
      1,
      'embedded Queuey server started without a key for the "queuey" application',
    );
  }
  return {
    url: started.url,
    appRoot: `${started.url}/v1/queuey/`,
    appKey,
    close: () => started.close(),
  };
}
