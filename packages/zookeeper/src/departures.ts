/**
 * What the `leaving` nodes told us: members that announced their departure
 * (see ZkPartitioner.stopping). Remembered, since an announcement may be
 * gone by the time we read the party without its member.
 */
export class Departures {
  readonly #seen = new Set<string>();

  /** Takes one reading of the party and of the announcements; returns the members staying, sorted. */
  read(present: readonly string[], leaving: readonly string[]): string[] {
    for (const name of leaving) this.#seen.add(name);
    for (const name of present) if (!leaving.includes(name)) this.#seen.delete(name);
    return present.filter((name) => !leaving.includes(name)).sort();
  }

  /**
   * The members of `stable` that `members` lacks, when it only lacks some
   * and every one of them announced its departure; otherwise undefined.
   */
  announced(stable: readonly string[], members: readonly string[]): string[] | undefined {
    if (!members.every((name) => stable.includes(name))) return undefined;
    const gone = stable.filter((name) => !members.includes(name));
    return gone.length > 0 && gone.every((name) => this.#seen.has(name)) ? gone : undefined;
  }

  /** Forgets the departures of members no longer seen anywhere, so the set stays small. */
  keepOnly(known: Iterable<string>): void {
    const keep = new Set(known);
    for (const name of this.#seen) if (!keep.has(name)) this.#seen.delete(name);
  }
}
