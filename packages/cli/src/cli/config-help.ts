import { settingRules } from '@qdo/core';
import { CLI_WORKER_KEYS } from '../config/schema.js';

function range(min: number | undefined, max: number | undefined): string {
  if (min === undefined && max === undefined) return '';
  if (max === undefined) return ` (>= ${min})`;
  return ` (${min}..${max})`;
}

/**
 * The `[qdo-worker]` keys for --help: the loop's settings straight from
 * core's `settingRules`, then the CLI's own keys.
 */
export function workerKeysHelp(): string {
  const rows: [string, string][] = [
    ...settingRules.map((rule): [string, string] => {
      const shown = rule.default === undefined ? '' : ` = ${String(rule.default)}`;
      const unit = rule.type === 'seconds' ? ' s' : '';
      return [`${rule.ini}${shown}${unit}`, `${rule.doc}${range(rule.min, rule.max)}`];
    }),
    ...Object.entries(CLI_WORKER_KEYS).map(([key, spec]): [string, string] => [
      `${key}${spec.default ? ` = ${spec.default}` : ''}`,
      spec.doc,
    ]),
  ];
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    '[qdo-worker] keys of the config file (key = default):',
    ...rows.map(([left, doc]) => `  ${left.padEnd(width)}  ${doc}`),
  ].join('\n');
}
