#!/usr/bin/env node
// Enforces the package layers of docs/ARCHITECTURE.md (scripts/layers.json) over every
// workspace folder, and forbids circular imports between packages and between
// the files of a package. Biome's noRestrictedImports gives the same layer
// errors for src/ in the editor; this script is what CI runs, and it also
// checks that biome.json agrees with layers.json.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const { layers, typeOnly = {} } = JSON.parse(
  readFileSync(join(root, 'scripts/layers.json'), 'utf8'),
);
const problems = [];

// One import or re-export statement: [1] the clause before `from`, [2] its
// specifier; or a dynamic import / bare import: [3] / [4].
const importRe =
  /(?:^|[\s;])((?:import|export)\s[^'"]*?)from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

function importsOf(file) {
  return [...readFileSync(file, 'utf8').matchAll(importRe)].map((m) => ({
    spec: m[2] ?? m[3] ?? m[4],
    typeOnly: m[1] !== undefined && isTypeOnlyClause(m[1]),
  }));
}

/** `import type {…}`, `export type {…}`, or braces whose every name is `type X`. */
function isTypeOnlyClause(clause) {
  if (/^(import|export)\s+type\s/.test(clause.trim())) return true;
  const braces = /^(?:import|export)\s*\{([^}]*)\}\s*$/.exec(clause.trim());
  if (!braces) return false;
  const names = braces[1]
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  return names.length > 0 && names.every((n) => n.startsWith('type '));
}

const SKIP = new Set(['node_modules', 'dist', 'coverage', '.turbo', 'var', 'test-artifacts']);
function* codeFiles(dir) {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* codeFiles(path);
    else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

function resolveLocal(from, spec) {
  const base = resolve(dirname(from), spec);
  const candidates = [
    base,
    base.replace(/\.(m?)js$/, '.$1ts'),
    `${base}.ts`,
    join(base, 'index.ts'),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

function findCycle(graph) {
  const state = new Map();
  const stack = [];
  const visit = (node) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const cycle = visit(node);
      if (cycle) return cycle;
    }
  }
  return undefined;
}

/** Every workspace folder, from pnpm-workspace.yaml's `dir/*` and `dir` entries. */
function workspaces() {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...yaml.matchAll(/^\s*-\s*['"]?([^'"\s#]+)['"]?\s*$/gm)].map((m) => m[1]);
  const dirs = [];
  for (const glob of globs) {
    const parent = glob.endsWith('/*') ? glob.slice(0, -2) : undefined;
    const candidates = parent
      ? existsSync(join(root, parent))
        ? readdirSync(join(root, parent)).map((d) => join(parent, d))
        : []
      : [glob];
    for (const dir of candidates) if (existsSync(join(root, dir, 'package.json'))) dirs.push(dir);
  }
  return dirs;
}

const manifests = new Map(); // @qdo/name -> { dir, manifest }
for (const dir of workspaces()) {
  const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  manifests.set(manifest.name, { dir, manifest });
}

const allowedIn = (pkg) => [...(layers[pkg] ?? []), ...(typeOnly[pkg] ?? [])];
const packageGraph = new Map(Object.keys(layers).map((pkg) => [pkg, allowedIn(pkg)]));
const packageCycle = findCycle(packageGraph);
if (packageCycle)
  problems.push(`scripts/layers.json has a package cycle: ${packageCycle.join(' -> ')}`);

/** The subpaths a package's exports map offers ('.' and './postgres' → '' and '/postgres'). */
function exportedSubpaths(manifest) {
  const exports = manifest.exports;
  if (!exports || typeof exports === 'string') return new Set(['']);
  const keys = Object.keys(exports);
  if (!keys.some((k) => k.startsWith('.'))) return new Set(['']);
  return new Set(keys.map((k) => k.slice(1)));
}

function checkQdoImport({ where, spec, isTypeOnly, ws, inSrc }) {
  const m = /^@qdo\/([^/]+)(\/.*)?$/.exec(spec);
  const target = manifests.get(`@qdo/${m[1]}`);
  if (!target) {
    problems.push(`${where}: imports ${spec}, which is no package of this workspace`);
    return;
  }
  if (!exportedSubpaths(target.manifest).has(m[2] ?? ''))
    problems.push(`${where}: deep import ${spec}; use what @qdo/${m[1]}'s exports map offers`);
  const own = ws.manifest;
  const declared = inSrc
    ? { ...own.dependencies, ...own.peerDependencies }
    : { ...own.dependencies, ...own.devDependencies, ...own.peerDependencies };
  if (own.name !== `@qdo/${m[1]}` && !declared[`@qdo/${m[1]}`])
    problems.push(
      `${where}: imports ${spec}, which ${ws.dir}/package.json does not declare${inSrc ? ' in dependencies or peerDependencies' : ''}`,
    );
  if (!inSrc) return;
  const pkg = ws.pkg;
  if ((layers[pkg] ?? []).includes(m[1])) return;
  if ((typeOnly[pkg] ?? []).includes(m[1])) {
    if (!isTypeOnly)
      problems.push(
        `${where}: imports run-time values from ${spec}, but @qdo/${pkg} may import only types from it (use \`import type\`)`,
      );
    return;
  }
  const allowed = allowedIn(pkg).map((a) => `@qdo/${a}`);
  problems.push(
    `${where}: imports ${spec}, but @qdo/${pkg} may import only ${allowed.join(', ') || 'no other @qdo package'}`,
  );
}

for (const dir of workspaces()) {
  const ws = {
    dir,
    manifest: manifests.get(JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).name)
      .manifest,
  };
  const isPackage = dir.startsWith(`packages${sep}`) || dir.startsWith('packages/');
  ws.pkg = isPackage ? dir.split(/[/\\]/)[1] : undefined;
  const src = join(root, dir, 'src');
  if (ws.pkg && existsSync(src) && !layers[ws.pkg])
    problems.push(`${dir} is missing from scripts/layers.json`);
  const fileGraph = new Map();
  const wsRoot = join(root, dir);
  for (const file of codeFiles(wsRoot)) {
    const inSrc = Boolean(ws.pkg && layers[ws.pkg]) && file.startsWith(src + sep);
    const where = relative(root, file);
    const edges = [];
    for (const { spec, typeOnly: isTypeOnly } of importsOf(file)) {
      if (spec.startsWith('@qdo/')) checkQdoImport({ where, spec, isTypeOnly, ws, inSrc });
      else if (spec.startsWith('.')) {
        const target = resolveLocal(file, spec);
        if (!target) {
          if (/\.(ts|mts)$/.test(file)) problems.push(`${where}: cannot resolve ${spec}`);
        } else if (inSrc && !target.startsWith(src + sep))
          problems.push(`${where}: ${spec} reaches outside ${dir}/src`);
        else if (!target.startsWith(wsRoot + sep))
          problems.push(
            `${where}: ${spec} reaches into another workspace folder (${relative(root, target)}); import that package's public entry, or move a shared fixture to @qdo/test-utils`,
          );
        else if (inSrc) edges.push(target);
      }
    }
    if (inSrc) fileGraph.set(file, edges);
  }
  const cycle = findCycle(fileGraph);
  if (cycle)
    problems.push(
      `circular import in ${ws.manifest.name}: ${cycle.map((f) => relative(src, f)).join(' -> ')}`,
    );
}

// biome.json's noRestrictedImports overrides must say what layers.json says
// (biome cannot tell type imports apart here, so type-only packages count as allowed).
// `--fix-biome` rewrites them from layers.json.
const biome = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8'));
if (process.argv.includes('--fix-biome')) {
  const layerRule = (pkg) => {
    const forbidden = Object.keys(layers).filter((other) => !allowedIn(pkg).includes(other));
    const allowed = allowedIn(pkg).map((a) => `@qdo/${a}`);
    return {
      includes: [`packages/${pkg}/src/**`],
      linter: {
        rules: {
          style: {
            noRestrictedImports: {
              level: 'error',
              options: {
                patterns: [
                  {
                    group: forbidden.flatMap((f) => [`@qdo/${f}`, `@qdo/${f}/*`]),
                    message: `@qdo/${pkg} may import only ${allowed.join(', ') || 'no other @qdo package'} (docs/ARCHITECTURE.md; scripts/layers.json).`,
                  },
                ],
              },
            },
          },
        },
      },
    };
  };
  const isLayerRule = (o) =>
    o.includes?.length === 1 &&
    /^packages\/[^/]+\/src\/\*\*$/.test(o.includes[0]) &&
    o.linter?.rules?.style?.noRestrictedImports;
  const others = (biome.overrides ?? []).filter((o) => !isLayerRule(o));
  biome.overrides = [
    ...Object.keys(layers)
      .filter((pkg) => existsSync(join(root, 'packages', pkg, 'src')))
      .map(layerRule),
    ...others,
  ];
  writeFileSync(join(root, 'biome.json'), `${JSON.stringify(biome, null, 2)}\n`);
  console.log('biome.json: layer rules rewritten from scripts/layers.json');
}
for (const pkg of Object.keys(layers)) {
  if (!existsSync(join(root, 'packages', pkg, 'src'))) continue;
  const override = biome.overrides?.find((o) => o.includes?.includes(`packages/${pkg}/src/**`));
  if (!override) {
    problems.push(`biome.json has no layer rule for packages/${pkg}/src/**`);
    continue;
  }
  const group =
    override.linter?.rules?.style?.noRestrictedImports?.options?.patterns?.[0]?.group ?? [];
  for (const other of Object.keys(layers)) {
    const forbidden = !allowedIn(pkg).includes(other);
    if (forbidden !== group.includes(`@qdo/${other}`))
      problems.push(
        `biome.json's layer rule for ${pkg} disagrees with scripts/layers.json about @qdo/${other}`,
      );
  }
}

if (problems.length) {
  for (const p of problems) console.error(p);
  console.error(`${problems.length} layer problem(s)`);
  process.exit(1);
}
console.log(`layers: ok over ${manifests.size} workspace folders, no circular imports`);
