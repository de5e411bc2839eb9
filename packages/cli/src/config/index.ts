import { resolve } from 'node:path';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { readConfigDocument } from './load.js';
import { normalise } from './normalise.js';
import type { QdoConfig } from './options.js';
import { validate } from './validate.js';

export interface LoadConfigOptions {
  /** Environment for `${VAR}`; default process.env. */
  env?: Record<string, string | undefined>;
  /** The worker needs `[qdo-worker] job`; the other commands do not. */
  requireJob?: boolean;
  /** Unknown sections and keys are errors, not warnings. */
  strict?: boolean;
}

/**
 * Reads a qdo-worker config file: parse (with `extends`), normalise,
 * validate. Throws one ConfigError listing every problem; warnings (unknown
 * keys) come back in `config.warnings`.
 */
export function loadConfig(file: string, options: LoadConfigOptions = {}): QdoConfig {
  const env = options.env ?? process.env;
  const problems: ConfigProblem[] = [];
  const doc = readConfigDocument(file, env, problems);
  if (doc.sections.size === 0 && problems.length > 0) throw new ConfigError(problems);
  const values = normalise(doc, env, problems);
  const config = validate(resolve(file), values, problems, {
    requireJob: options.requireJob ?? false,
  });
  const all = options.strict
    ? problems.map((p) =>
        p.warning ? { ...p, warning: false, message: p.message.replace(', ignored', '') } : p,
      )
    : problems;
  // With errors, the warnings are shown too: an unknown key is often the cause.
  if (all.some((p) => !p.warning)) throw new ConfigError(byPosition(all));
  return { ...config, warnings: byPosition(all) };
}

function byPosition(problems: ConfigProblem[]): ConfigProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort(
      (a, b) => a.p.file.localeCompare(b.p.file) || (a.p.line ?? 0) - (b.p.line ?? 0) || a.i - b.i,
    )
    .map(({ p }) => p);
}

/** The options when there is no config file at all (commands given --connection). */
export function defaultConfig(file: string): QdoConfig {
  const problems: ConfigProblem[] = [];
  const config = validate(resolve(file), new Map(), problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
