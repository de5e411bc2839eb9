import { readFileSync } from 'node:fs';

/** The README's table of key vectors: key, murmur2, then the partition for 3, 8 and 100. */
export function readmeVectors(): { key: string; hash: number; partitions: number[] }[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const table = /<!-- key-vectors -->\n([\s\S]*?)<!-- \/key-vectors -->/.exec(readme)?.[1] ?? '';
  return table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      const [key, hash, ...partitions] = cells as [string, string, ...string[]];
      return {
        key: JSON.parse(key.slice(1, -1)),
        hash: Number(hash),
        partitions: partitions.map(Number),
      };
    });
}
