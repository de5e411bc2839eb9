/** One measured figure of the run, with its target when it has one. */
import type { Spread } from './stats.js';

export interface Figure {
  id: string;
  label: string;
  unit: string;
  value: Spread;
  /** e.g. '>= 0.5'; the median is checked against it. */
  target?: { op: '>=' | '<='; value: number };
  note?: string;
}

export function met(figure: Figure): boolean | undefined {
  const t = figure.target;
  if (!t) return undefined;
  return t.op === '>=' ? figure.value.median >= t.value : figure.value.median <= t.value;
}

export function figure(
  id: string,
  label: string,
  unit: string,
  value: Spread,
  extra: Pick<Figure, 'target' | 'note'> = {},
): Figure {
  return { id, label, unit, value, ...extra };
}
