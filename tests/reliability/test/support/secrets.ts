/** App keys handed out in tests; setup.ts checks that no process ever printed one. */
import { randomBytes } from 'node:crypto';

const keys = new Set<string>();

/** A fresh 32-hex app key, remembered for the scan. */
export function newKey(): string {
  const key = randomBytes(16).toString('hex');
  keys.add(key);
  return key;
}

export function knownKeys(): readonly string[] {
  return [...keys];
}
