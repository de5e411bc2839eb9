// What a tarball holds and what its package.json says, checked against the
// rules of a publishable package (see the root README's Packaging paragraph).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const EXACT_VERSION = /^\d+\.\d+\.\d+(-[\w.]+)?$/;

/** @returns {string[]} the problems of one unpacked tarball (its `package/` folder). */
export function checkContents({ unpacked, rel, rootManifest, rootLicense }) {
  const found = [];
  const files = listFiles(unpacked);
  const manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'));
  const has = (file) => files.includes(file);

  for (const file of ['package.json', 'README.md', 'LICENSE']) {
    if (!has(file)) found.push(`${file} is missing from the tarball`);
  }
  if (has('LICENSE') && readFileSync(join(unpacked, 'LICENSE'), 'utf8') !== rootLicense) {
    found.push('LICENSE differs from the repository LICENSE');
  }
  for (const file of files) {
    if (/^(src|test)\//.test(file) || /\.test\.[cm]?[jt]s$/.test(file)) {
      found.push(`ships a source or test file: ${file}`);
    }
    if (file.endsWith('.d.ts.map')) found.push(`ships a declaration map: ${file}`);
    if (file.endsWith('.js.map')) found.push(...checkSourceMap(unpacked, file));
  }

  if (manifest.license !== rootManifest.license) {
    found.push(`license is ${manifest.license}, expected ${rootManifest.license}`);
  }
  if (manifest.name.startsWith('@') && manifest.publishConfig?.access !== 'public') {
    found.push('publishConfig.access is not "public" (a scoped package is refused otherwise)');
  }
  if (manifest.repository?.url !== rootManifest.repository.url) {
    found.push(
      `repository.url is ${manifest.repository?.url}, the root says ${rootManifest.repository.url}`,
    );
  }
  if (manifest.repository?.directory !== rel) {
    found.push(`repository.directory is ${manifest.repository?.directory}, expected ${rel}`);
  }
  if (!manifest.homepage) found.push('no homepage');
  if (!manifest.bugs?.url) found.push('no bugs.url');
  if (!manifest.engines?.node) found.push('no engines.node');

  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (range.startsWith('workspace:')) found.push(`${field}.${name} is still ${range}`);
      if (field === 'peerDependencies' && EXACT_VERSION.test(range)) {
        found.push(`peerDependencies.${name} is pinned to ${range}; give a range`);
      }
    }
  }
  for (const [name, meta] of Object.entries(manifest.peerDependenciesMeta ?? {})) {
    if (meta.optional && !manifest.peerDependencies?.[name]) {
      found.push(`peerDependenciesMeta.${name} has no peerDependencies entry`);
    }
  }

  for (const [entry, target] of Object.entries(manifest.exports ?? {})) {
    if (typeof target === 'string') {
      if (!has(target.replace(/^\.\//, '')))
        found.push(`exports["${entry}"] → ${target} is not shipped`);
      continue;
    }
    const conditions = Object.keys(target);
    if (conditions[0] !== 'types') found.push(`exports["${entry}"]: "types" must come first`);
    if (!('default' in target) && !('require' in target)) {
      found.push(`exports["${entry}"] has no "default" or "require" condition: require() fails`);
    }
    for (const [condition, file] of Object.entries(target)) {
      if (!has(file.replace(/^\.\//, ''))) {
        found.push(`exports["${entry}"].${condition} → ${file} is not shipped`);
      }
    }
  }
  for (const [bin, file] of Object.entries(manifest.bin ?? {})) {
    const path = file.replace(/^\.\//, '');
    if (!has(path)) found.push(`bin ${bin} → ${file} is not shipped`);
    else if (!readFileSync(join(unpacked, path), 'utf8').startsWith('#!/usr/bin/env node')) {
      found.push(`bin ${bin} → ${file} has no "#!/usr/bin/env node" line`);
    }
  }
  return found;
}

/** A map must carry every source it names: the tarball has no src/ to point at. */
function checkSourceMap(unpacked, file) {
  const map = JSON.parse(readFileSync(join(unpacked, file), 'utf8'));
  const missing = map.sources.filter(
    (source, i) =>
      typeof map.sourcesContent?.[i] !== 'string' &&
      !existsSync(join(unpacked, file, '..', source)),
  );
  return missing.length > 0
    ? [`${file} points at unshipped sources without their text: ${missing.join(', ')}`]
    : [];
}

function listFiles(dir, base = dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path, base));
    else out.push(relative(base, path));
  }
  return out;
}
