import { readFileSync } from 'node:fs';

/** The complete lines of text that is still being written: a last line without its newline is left out. */
export function completeLines(text: string): string[] {
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .slice(0, -1);
}

/**
 * The whole, non-empty lines of a file that processes append to (none when
 * it does not exist yet): a line still being written, or cut by a kill, is
 * left out.
 */
export function readLines(path: string): string[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return completeLines(text).filter((line) => line.trim() !== '');
}
