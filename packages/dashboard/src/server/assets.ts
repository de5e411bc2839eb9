import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PageInfo } from '../api-types.js';

/** dist/ui when running built; when running from src (tests), the built bundle beside it. */
function uiDir(): string {
  for (const rel of ['../ui/', '../../dist/ui/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}app.js`)) return dir;
  }
  throw new Error('@qdo/dashboard: the browser bundle (dist/ui/app.js) is missing; run its build');
}

export interface Asset {
  type: string;
  body: Buffer;
}

export function loadAssets(): Map<string, Asset> {
  const dir = uiDir();
  const assets = new Map<string, Asset>();
  assets.set('/assets/app.js', {
    type: 'text/javascript; charset=utf-8',
    body: readFileSync(`${dir}app.js`),
  });
  assets.set('/assets/app.css', {
    type: 'text/css; charset=utf-8',
    body: readFileSync(`${dir}app.css`),
  });
  return assets;
}

const escapeJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export function page(info: PageInfo): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>qdo dashboard</title>
<link rel="stylesheet" href="/assets/app.css">
<script type="application/json" id="qdo-page">${escapeJson(info)}</script>
<script type="module" src="/assets/app.js"></script>
</head>
<body>
<div id="app"><p>Loading the dashboard…</p></div>
<noscript>The qdo dashboard needs JavaScript.</noscript>
</body>
</html>
`;
}
