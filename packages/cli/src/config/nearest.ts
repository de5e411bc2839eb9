/** Edit distance (insert, delete, substitute; a swap of neighbours counts 1). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * How to name the nearest known name in a message: "did you mean X?" when
 * it is a likely typo, else the known names, nearest first.
 */
export function nearestHint(name: string, known: readonly string[]): string {
  const ranked = [...known]
    .map((k) => ({ k, d: distance(name, k) }))
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k));
  const best = ranked[0];
  if (!best) return '';
  if (
    best.d <= Math.max(2, Math.floor(name.length / 3)) ||
    best.k.includes(name) ||
    name.includes(best.k)
  )
    return `did you mean ${best.k}?`;
  const shown = ranked.slice(0, 5).map((r) => r.k);
  return `known: ${shown.join(', ')}${ranked.length > shown.length ? ', …' : ''}`;
}
