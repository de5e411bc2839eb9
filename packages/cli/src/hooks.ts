import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HookError } from './errors.js';
import { describeLoadError } from './hook-errors.js';

/** A parsed `module:export` resource spec. */
export interface HookSpec {
  module: string;
  /** The export's name; `default` when the spec names none. */
  export: string;
}

const TS = /\.(ts|mts|cts|tsx)$/;

/** The original qdo's names of the built-in failure hooks, so its config files work as they are. */
const ALIASES: Readonly<Record<string, string>> = {
  'qdo.worker:save_failed_message': '@qdo/failure:saveFailedMessage',
  'qdo.worker:log_failure': '@qdo/failure:logFailure',
};

/**
 * Packages of built-in hooks: the worker depends on them, so they are found
 * from its own install when the config file's folder (/etc/qdo, say) has no
 * node_modules; a copy next to the config wins.
 */
const BUILT_IN_PACKAGES: readonly string[] = ['@qdo/failure'];
const OWN_DIR = dirname(fileURLToPath(import.meta.url));

/** Splits at the last `:` followed by an identifier, so `C:\x.js` and `node:x` stay whole. */
export function parseHookSpec(spec: string): HookSpec {
  const match = /^(.+):([A-Za-z_$][\w$]*)$/.exec(spec.trim());
  if (match && !/^[A-Za-z]$/.test(match[1] as string))
    return { module: match[1] as string, export: match[2] as string };
  return { module: spec.trim(), export: 'default' };
}

const isPath = (m: string) => m.startsWith('.') || isAbsolute(m) || m.startsWith('file:');

/**
 * Loads the function a spec names: a path relative to `baseDir` (the config
 * file's directory) or a package resolved from there. `.ts` files run
 * through tsx, registered once and only when first needed.
 */
export async function loadHook<F extends (...args: never[]) => unknown>(
  spec: string,
  baseDir: string,
): Promise<F> {
  const { module, export: name } = parseHookSpec(ALIASES[spec.trim()] ?? spec);
  const file = isPath(module)
    ? resolvePath(module, baseDir, spec)
    : resolvePackage(module, baseDir, spec);
  if (TS.test(file)) await registerTsx();
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = describeLoadError(error, file);
    // The place already names the file when the hook itself is at fault.
    const what = reason.startsWith(`${file}:`) ? reason : `cannot load ${file}: ${reason}`;
    throw new HookError(`hook ${spec}: ${what}`, { cause: error });
  }
  namespace = commonJsExports(namespace, name);
  if (!(name in namespace)) {
    const exports = Object.keys(namespace).filter((k) => k !== 'default');
    throw new HookError(
      `hook ${spec}: ${module} has no export "${name}" (it exports: ${exports.join(', ') || 'nothing'})`,
    );
  }
  const value = namespace[name];
  if (typeof value !== 'function') {
    throw new HookError(
      `hook ${spec}: export "${name}" of ${module} is a ${value === null ? 'null' : typeof value}, not a function`,
    );
  }
  return value as F;
}

/**
 * A CommonJS module (a .ts file in a folder whose package.json says
 * commonjs, as `npm init -y` writes) imports as `{ default: module.exports }`:
 * its named exports are the properties of that object.
 */
function commonJsExports(
  namespace: Record<string, unknown>,
  name: string,
): Record<string, unknown> {
  if (name in namespace && name !== 'default') return namespace;
  const cjs = namespace.default;
  if (typeof cjs !== 'object' || cjs === null || !('__esModule' in cjs || name in cjs))
    return namespace;
  return cjs as Record<string, unknown>;
}

function fileUrlPath(module: string, spec: string): string {
  try {
    return new URL(module).pathname;
  } catch {
    throw new HookError(`hook ${spec}: ${module} is not a valid file: URL`);
  }
}

function resolvePath(module: string, baseDir: string, spec: string): string {
  const path = module.startsWith('file:') ? fileUrlPath(module, spec) : resolve(baseDir, module);
  const candidates = extname(path)
    ? [path]
    : [path, `${path}.ts`, `${path}.js`, `${path}.mjs`, join(path, 'index.js')];
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  if (!found)
    throw new HookError(
      `hook ${spec}: no such file ${path} (paths are relative to the config file)`,
    );
  return found;
}

/** The folder of package `pkgName` as `require` from `fromDir` would find it. */
function findPackage(pkgName: string, fromDir: string): string | undefined {
  const lookup = createRequire(join(fromDir, 'noop.js')).resolve.paths(pkgName) ?? [];
  return lookup
    .map((dir) => join(dir, pkgName))
    .find((pkgDir) => existsSync(join(pkgDir, 'package.json')));
}

/** Finds a package from `baseDir` the way `import` would (exports' import/default, else main). */
function resolvePackage(module: string, baseDir: string, spec: string): string {
  const parts = module.split('/');
  const nameLength = module.startsWith('@') ? 2 : 1;
  const pkgName = parts.slice(0, nameLength).join('/');
  const subpath = ['.', ...parts.slice(nameLength)].join('/');
  const pkgDir =
    findPackage(pkgName, baseDir) ??
    (BUILT_IN_PACKAGES.includes(pkgName) ? findPackage(pkgName, OWN_DIR) : undefined);
  if (pkgDir === undefined)
    throw new HookError(
      `hook ${spec}: cannot find module "${module}" from ${baseDir} (is it installed?)`,
    );
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    exports?: unknown;
    main?: string;
    module?: string;
  };
  const target =
    pkg.exports === undefined ? legacyEntry(pkg, subpath) : exportsEntry(pkg.exports, subpath);
  if (!target) throw new HookError(`hook ${spec}: package ${pkgName} does not export "${subpath}"`);
  return resolve(pkgDir, target);
}

function legacyEntry(pkg: { main?: string; module?: string }, subpath: string): string {
  if (subpath !== '.') return subpath;
  return pkg.module ?? pkg.main ?? 'index.js';
}

function exportsEntry(exports: unknown, subpath: string): string | undefined {
  const isMap =
    typeof exports === 'object' &&
    exports !== null &&
    Object.keys(exports).some((k) => k.startsWith('.'));
  const entry = isMap
    ? (exports as Record<string, unknown>)[subpath]
    : subpath === '.'
      ? exports
      : undefined;
  return pickCondition(entry);
}

function pickCondition(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (Array.isArray(entry)) return entry.map(pickCondition).find(Boolean);
  if (typeof entry !== 'object' || entry === null) return undefined;
  for (const [condition, value] of Object.entries(entry)) {
    if (condition === 'import' || condition === 'node' || condition === 'default') {
      const found = pickCondition(value);
      if (found) return found;
    }
  }
  return undefined;
}

let tsx: Promise<void> | undefined;
/**
 * One global tsx registration, so a .ts job and the process share module
 * instances. Both loaders: a .ts file in a CommonJS folder goes through
 * require, which without tsx's CommonJS hook fails with "Cannot require() ES
 * Module ... in a cycle".
 */
function registerTsx(): Promise<void> {
  tsx ??= Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]).then(([esm, cjs]) => {
    esm.register();
    cjs.register();
  });
  return tsx;
}
