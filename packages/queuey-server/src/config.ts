/**
 * The server's INI file, in Queuey's layout:
 *
 *   [application_keys]
 *   queuey = f25bfb8fe200475c8a0532a9cbe7651e    ; one or more keys, comma or newline separated
 *   [storage]
 *   backend = sqlite                             ; or postgres
 *   path = var/queuey.db                         ; sqlite, relative to this file
 *   synchronous = full                           ; sqlite: full (default), normal or off
 *   url = postgres://...                         ; postgres
 *   [server]
 *   host = 127.0.0.1
 *   port = 5000
 *   body_limit = 1048576                         ; bytes
 *   max_wait = 30                                ; seconds a read may `wait`
 *   purge_interval = 60                          ; seconds between purges of expired messages
 *
 * Parsed, then normalised, then validated; every problem names file, section and key.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ServerConfigError } from './errors.js';
import { type Ini, type IniEntry, parseIni } from './ini.js';
import { SYNCHRONOUS_MODES, type SynchronousMode } from './storage/sqlite-schema.js';

export type StorageConfig =
  | { backend: 'sqlite'; path?: string; synchronous?: SynchronousMode }
  | { backend: 'postgres'; url: string; schema?: string };

export interface ServerConfig {
  file: string;
  host?: string;
  port?: number;
  bodyLimit?: number;
  maxWait?: number;
  /** Milliseconds. */
  purgeInterval?: number;
  applications?: Record<string, string[]>;
  storage: StorageConfig;
}

const KNOWN: Record<string, readonly string[] | 'any'> = {
  application_keys: 'any',
  storage: ['backend', 'path', 'url', 'schema', 'synchronous'],
  server: ['host', 'port', 'body_limit', 'max_wait', 'purge_interval'],
};

export function loadServerConfig(
  file: string,
  options: { env?: Record<string, string | undefined> } = {},
): ServerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : String(error);
    throw new ServerConfigError(`config file ${file} ${reason}`, { file });
  }
  return parseServerConfig(text, { file, ...options });
}

export function parseServerConfig(
  text: string,
  options: { file: string; env?: Record<string, string | undefined> },
): ServerConfig {
  const { file } = options;
  const ini = parseIni(text, options);
  checkKnown(ini, file);
  const at = (section: string, key: string) => ({ file, section, key });
  const get = (section: string, key: string): IniEntry | undefined => ini.get(section)?.get(key);
  const config: ServerConfig = { file, storage: readStorage(ini, file) };

  const keys = ini.get('application_keys');
  if (keys) {
    config.applications = {};
    for (const [name, entry] of keys) {
      const list = entry.value.split(/[\s,]+/).filter((key) => key !== '');
      if (list.length === 0) {
        throw new ServerConfigError(
          `${file} [application_keys] ${name}: no key given`,
          at('application_keys', name),
        );
      }
      config.applications[name] = list;
    }
  }
  const host = get('server', 'host')?.value.trim();
  if (host) config.host = host;
  const integer = (key: string, min: number, max: number) => {
    const entry = get('server', key);
    if (!entry) return undefined;
    const value = entry.value.trim();
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new ServerConfigError(
        `${file} [server] ${key}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
        at('server', key),
      );
    }
    return Number(value);
  };
  const port = integer('port', 0, 65_535);
  if (port !== undefined) config.port = port;
  const bodyLimit = integer('body_limit', 1, 2 ** 31);
  if (bodyLimit !== undefined) config.bodyLimit = bodyLimit;
  const maxWait = integer('max_wait', 0, 3600);
  if (maxWait !== undefined) config.maxWait = maxWait;
  const purge = integer('purge_interval', 1, 86_400);
  if (purge !== undefined) config.purgeInterval = purge * 1000;
  return config;
}

function checkKnown(ini: Ini, file: string): void {
  for (const [section, entries] of ini) {
    const known = KNOWN[section];
    if (!known) {
      throw new ServerConfigError(
        `${file}: unknown section [${section}]; expected ${Object.keys(KNOWN)
          .map((name) => `[${name}]`)
          .join(', ')}`,
        { file, section },
      );
    }
    if (known === 'any') continue;
    for (const key of entries.keys()) {
      if (!known.includes(key)) {
        throw new ServerConfigError(
          `${file} [${section}] ${key}: unknown key; expected one of ${known.join(', ')}`,
          { file, section, key },
        );
      }
    }
  }
}

function readStorage(ini: Ini, file: string): StorageConfig {
  const section = ini.get('storage');
  const backend = section?.get('backend')?.value.trim() || 'sqlite';
  if (backend === 'sqlite') {
    const path = section?.get('path')?.value.trim();
    const synchronous = section?.get('synchronous')?.value.trim().toLowerCase();
    if (synchronous && !(SYNCHRONOUS_MODES as readonly string[]).includes(synchronous)) {
      throw new ServerConfigError(
        `${file} [storage] synchronous: expected ${SYNCHRONOUS_MODES.join(', ')}, got ${JSON.stringify(synchronous)}`,
        { file, section: 'storage', key: 'synchronous' },
      );
    }
    return {
      backend,
      ...(path ? { path: path === ':memory:' ? path : resolve(dirname(file), path) } : {}),
      ...(synchronous ? { synchronous: synchronous as SynchronousMode } : {}),
    };
  }
  if (backend === 'postgres') {
    const url = section?.get('url')?.value.trim();
    if (!url) {
      throw new ServerConfigError(`${file} [storage] url: required when backend = postgres`, {
        file,
        section: 'storage',
        key: 'url',
      });
    }
    if (!/^postgres(ql)?:\/\//i.test(url)) {
      throw new ServerConfigError(
        `${file} [storage] url: expected a postgres:// or postgresql:// URL`,
        { file, section: 'storage', key: 'url' },
      );
    }
    const schema = section?.get('schema')?.value.trim();
    return schema ? { backend, url, schema } : { backend, url };
  }
  throw new ServerConfigError(
    `${file} [storage] backend: expected sqlite or postgres, got ${JSON.stringify(backend)}`,
    { file, section: 'storage', key: 'backend' },
  );
}
