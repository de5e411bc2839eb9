import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcess, type SpawnOptions } from './node-process.js';

export interface QdoWorkerOptions extends SpawnOptions {
  /**
   * The built bin, @qdo/cli's dist/bin/qdo-worker.js: passed in, as this
   * package cannot depend on @qdo/cli (whose tests depend on this package).
   */
  bin: string;
  /** The INI text of its config file. */
  config: string;
  /** Where the config is written (qdo-worker.conf); default a temp dir removed when it exits. */
  dir?: string;
  /** More arguments after `-c FILE`. */
  args?: string[];
}

/** A qdo-worker process on a config file written from `config`; cwd defaults to its dir. */
export function startQdoWorker(options: QdoWorkerOptions): NodeProcess {
  const { bin, config, args = [], dir: given, ...spawn } = options;
  const dir = given ?? mkdtempSync(join(tmpdir(), 'qdo-worker-'));
  const file = join(dir, 'qdo-worker.conf');
  writeFileSync(file, config);
  const worker = new NodeProcess(bin, ['-c', file, ...args], {
    label: 'qdo-worker',
    cwd: dir,
    ...spawn,
  });
  if (!given) void worker.exited.then(() => rmSync(dir, { recursive: true, force: true }));
  return worker;
}
