#!/usr/bin/env node
// Enforces DESIGN.md's package layers (scripts/layers.json) and forbids
// circular imports, both between packages and between files of a package.
// Biome's noRestrictedImports gives the same layer errors in the editor;
// this script is what CI runs, and it also checks biome.json is in sync.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const layers = JSON.parse(readFileSync(join(root, 'scripts/layers.json'), 'utf8'));
delete layers['//'];
const problems = [];

const importRe =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;
const importsOf = (file) =>
  [...readFileSync(file, 'utf8').matchAll(importRe)].map((m) => m[1] ?? m[2] ?? m[3]);

function* tsFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* tsFiles(path);
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) yield path;
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

const packageGraph = new Map(Object.entries(layers));
const packageCycle = findCycle(packageGraph);
if (packageCycle)
  problems.push(`scripts/layers.json has a package cycle: ${packageCycle.join(' -> ')}`);

for (const pkg of readdirSync(join(root, 'packages'))) {
  const src = join(root, 'packages', pkg, 'src');
  if (!existsSync(src)) continue;
  const allowed = layers[pkg];
  if (!allowed) {
    problems.push(`packages/${pkg} is missing from scripts/layers.json`);
    continue;
  }
  const manifest = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8'));
  const declared = {
    ...manifest.dependencies,
    ...manifest.peerDependencies,
  };
  const fileGraph = new Map();
  for (const file of tsFiles(src)) {
    const edges = [];
    for (const spec of importsOf(file)) {
      const where = relative(root, file);
      const m = /^@qdo\/([^/]+)/.exec(spec);
      if (m) {
        if (!allowed.includes(m[1]))
          problems.push(
            `${where}: imports ${spec}, but @qdo/${pkg} may import only ${allowed.map((a) => `@qdo/${a}`).join(', ') || 'no other @qdo package'}`,
          );
        else if (!declared[`@qdo/${m[1]}`])
          problems.push(
            `${where}: imports ${spec}, which package.json does not declare in dependencies or peerDependencies`,
          );
        if (spec.includes('/src'))
          problems.push(`${where}: deep import ${spec}; use the package's public entry`);
      } else if (spec.startsWith('.')) {
        const target = resolveLocal(file, spec);
        if (!target) problems.push(`${where}: cannot resolve ${spec}`);
        else if (!target.startsWith(src))
          problems.push(`${where}: ${spec} reaches outside packages/${pkg}/src`);
        else edges.push(target);
      }
    }
    fileGraph.set(file, edges);
  }
  const cycle = findCycle(fileGraph);
  if (cycle)
    problems.push(
      `circular import in @qdo/${pkg}: ${cycle.map((f) => relative(src, f)).join(' -> ')}`,
    );
}

// biome.json's noRestrictedImports overrides must say what layers.json says.
const biome = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8'));
for (const [pkg, allowed] of Object.entries(layers)) {
  const override = biome.overrides?.find((o) => o.includes?.includes(`packages/${pkg}/src/**`));
  const group =
    override?.linter?.rules?.style?.noRestrictedImports?.options?.patterns?.[0]?.group ?? [];
  for (const other of Object.keys(layers)) {
    const forbidden = !allowed.includes(other);
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
console.log('layers: ok, no circular imports');
