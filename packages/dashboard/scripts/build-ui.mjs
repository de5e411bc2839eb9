#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
// Bundles the browser app (src/ui) into dist/ui/app.js and app.css:
// minified, ES2020, everything inlined (no CDN: the dashboard works offline).
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const LIMIT = 150 * 1024;

await build({
  absWorkingDir: root,
  entryPoints: { app: 'src/ui/main.tsx' },
  outdir: 'dist/ui',
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
const gz = gzipSync(readFileSync(`${root}dist/ui/app.js`)).length;
if (gz > LIMIT) {
  console.error(`dashboard: dist/ui/app.js is ${gz} bytes gzipped, over the ${LIMIT} byte budget`);
  process.exit(1);
}
console.log(`dashboard: dist/ui/app.js ${(gz / 1024).toFixed(1)} KB gzipped (budget 150 KB)`);
