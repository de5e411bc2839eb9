/**
 * Application keys from places other users cannot read in `ps`: a key file
 * (`--app-key-file`, INI `[server] app_key_file`) and the environment
 * (`QUEUEY_APP_KEYS`). Both use `NAME=KEY` items; a name given again adds a
 * key. A key is never part of a message: errors name the file and line only.
 */
import { readFileSync, statSync } from 'node:fs';
import { ServerConfigError } from './errors.js';

export const APP_KEYS_ENV = 'QUEUEY_APP_KEYS';

export type AppKeys = Record<string, string[]>;

/**
 * A key file: one `NAME = KEY` (or `NAME = KEY1, KEY2`) per line, `#` comments.
 * Returns the keys and a warning when other users may read the file.
 */
export function readKeyFile(file: string): { keys: AppKeys; warning?: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ServerConfigError(
      `app key file ${file} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`,
      { file },
    );
  }
  const keys: AppKeys = {};
  const bad: number[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    if (!addItem(keys, line, /[\s,]+/)) bad.push(index + 1);
  });
  if (bad.length > 0) {
    throw new ServerConfigError(
      `app key file ${file}: line${bad.length === 1 ? '' : 's'} ${bad.join(', ')} not NAME = KEY`,
      { file },
    );
  }
  if (Object.keys(keys).length === 0) {
    throw new ServerConfigError(`app key file ${file} has no NAME = KEY line`, { file });
  }
  const mode = process.platform === 'win32' ? 0 : statSync(file).mode & 0o077;
  return mode === 0
    ? { keys }
    : {
        keys,
        warning: `app key file ${file} may be read by other users (mode ${(statSync(file).mode & 0o777).toString(8)}); chmod 600 it`,
      };
}

/** `QUEUEY_APP_KEYS="queuey=KEY other=KEY2"`: items separated by spaces, commas or semicolons. */
export function keysFromEnv(env: Record<string, string | undefined>): AppKeys | undefined {
  const text = env[APP_KEYS_ENV]?.trim();
  if (!text) return undefined;
  const keys: AppKeys = {};
  const items = text.split(/[\s,;]+/).filter((item) => item !== '');
  const bad = items.filter((item) => !addItem(keys, item)).length;
  if (bad > 0) {
    throw new ServerConfigError(
      `${APP_KEYS_ENV}: ${bad} item${bad === 1 ? ' is' : 's are'} not NAME=KEY (e.g. queuey=f25bfb8fe200475c8a0532a9cbe7651e)`,
    );
  }
  return keys;
}

/** Adds `NAME=KEY[<sep>KEY...]`; false when the item is malformed. */
function addItem(keys: AppKeys, item: string, separator?: RegExp): boolean {
  const eq = item.indexOf('=');
  const name = item.slice(0, eq).trim();
  const value = item.slice(eq + 1).trim();
  if (eq < 0 || name === '' || value === '') return false;
  const list = separator ? value.split(separator).filter((key) => key !== '') : [value];
  keys[name] = [...(keys[name] ?? []), ...list];
  return true;
}

/** Merges key sets: a name in several gets all of their keys. */
export function mergeKeys(...sets: (AppKeys | undefined)[]): AppKeys | undefined {
  const present = sets.filter((set): set is AppKeys => set !== undefined);
  if (present.length === 0) return undefined;
  const merged: AppKeys = {};
  for (const set of present) {
    for (const [name, list] of Object.entries(set))
      merged[name] = [...(merged[name] ?? []), ...list];
  }
  return merged;
}
