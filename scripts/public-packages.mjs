// The workspace's public packages (every packages/*/package.json that is not
// private), shared by check-packages.mjs and release.mjs.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** @returns {{ name: string, version: string, dir: string, rel: string, manifest: any }[]} */
export function publicPackages() {
  const found = [];
  for (const entry of readdirSync(join(root, 'packages'), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const rel = `packages/${entry.name}`;
    let manifest;
    try {
      manifest = JSON.parse(readFileSync(join(root, rel, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    if (manifest.private) continue;
    found.push({
      name: manifest.name,
      version: manifest.version,
      dir: join(root, rel),
      rel,
      manifest,
    });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}
