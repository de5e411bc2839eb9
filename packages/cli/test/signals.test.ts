import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { startBin } from './spawn.js';

describe('qdo-worker and signals', () => {
  it('exits 0 on SIGTERM that arrives while it is still starting', async () => {
    // The job module takes its time to load: the signal lands mid-setup.
    using dir = tempDir({
      'w.conf':
        '[qdo-worker]\njob = ./slow.mjs:job\n[queuey]\nconnection = http://127.0.0.1:9/v1/queuey/\napp_key = k\n',
      'slow.mjs':
        "process.stdout.write('loading\\n');\nawait new Promise((r) => setTimeout(r, 1500));\nexport const job = () => {};\n",
    });
    await using worker = startBin('qdo-worker', ['-c', 'w.conf'], { cwd: dir.path });
    await worker.waitForOutput(/loading/);
    const exit = await worker.stop('SIGTERM');
    expect(exit.code, exit.stderr).toBe(0);
    expect(worker.stderr).not.toMatch(/Error/);
  });
});
