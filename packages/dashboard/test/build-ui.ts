import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Bundles src/ui into dist/ui (a fraction of a second with esbuild), so the pages match the source. */
export default function setup() {
  const script = fileURLToPath(new URL('../scripts/build-ui.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('dashboard: building the browser bundle failed');
}
