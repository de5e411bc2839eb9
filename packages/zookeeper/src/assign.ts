/**
 * Splits partitions among the members of the party. Every worker runs this
 * on the same inputs and must reach the same answer without talking to the
 * others, so it depends only on the sorted member and partition names.
 *
 * Rendezvous hashing with bounded loads: each (partition, member) pair gets a
 * pseudo-random score; pairs are taken best-first and a partition goes to
 * the first member that still has room (at most ceil(partitions / members)).
 * A partition's preferred members do not depend on who else is in the party,
 * so when a member joins or leaves only about a member's share moves, and
 * the bound keeps every member's share within one of the others'.
 */
export function assignPartitions(
  members: readonly string[],
  partitions: readonly string[],
): Map<string, string[]> {
  const people = [...new Set(members)].sort();
  const work = [...new Set(partitions)].sort();
  const result = new Map<string, string[]>(people.map((m) => [m, []]));
  if (people.length === 0 || work.length === 0) return result;
  const capacity = Math.ceil(work.length / people.length);
  const memberHashes = people.map((m) => hashString(m));
  const pairs: { score: number; partition: number; member: number }[] = [];
  work.forEach((p, pi) => {
    const ph = hashString(p);
    memberHashes.forEach((mh, mi) => {
      pairs.push({ score: mix(ph, mh), partition: pi, member: mi });
    });
  });
  // Ties (rare with 32 bits) fall back to names so the order stays total.
  pairs.sort((a, b) => b.score - a.score || a.partition - b.partition || a.member - b.member);
  const taken = new Array<boolean>(work.length).fill(false);
  const load = new Array<number>(people.length).fill(0);
  let left = work.length;
  for (const { partition, member } of pairs) {
    if (taken[partition] || (load[member] ?? 0) >= capacity) continue;
    taken[partition] = true;
    load[member] = (load[member] ?? 0) + 1;
    result.get(people[member] as string)?.push(work[partition] as string);
    if (--left === 0) break;
  }
  return result;
}

/** FNV-1a over UTF-16 code units; fast and stable across processes. */
function hashString(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Combines two hashes with murmur3's finaliser so scores spread evenly. */
function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
