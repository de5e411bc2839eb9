/** children/server.mjs as a process: a server whose crashes and memory a test can see. */
import { fileURLToPath } from 'node:url';
import { NodeProcess } from '@qdo/test-utils';

const script = fileURLToPath(new URL('./children/server.mjs', import.meta.url));

export interface ChildServer {
  proc: NodeProcess;
  url: string;
  memory(): Promise<{ memory: NodeJS.MemoryUsage; errors: string[] }>;
}

export async function startChildServer(options: Record<string, unknown>): Promise<ChildServer> {
  const proc = new NodeProcess(script, [], {
    label: 'queuey-child',
    node: ['--expose-gc'],
    ipc: true,
    env: { QDO_TEST_SERVER: JSON.stringify(options) },
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      proc.child.once('message', (m) => resolve(m as Record<string, unknown>));
      proc.child.once('exit', () => reject(new Error(`server exited:\n${proc.output}`)));
    });
  const { url } = (await next()) as { url: string };
  return {
    proc,
    url,
    async memory() {
      const answer = next();
      proc.child.send('memory');
      return (await answer) as { memory: NodeJS.MemoryUsage; errors: string[] };
    },
  };
}
