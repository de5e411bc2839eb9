/**
 * Who is asking, and what they may do. Principals are `app:<name>` for each
 * application whose key the request carries; permissions follow the
 * original's ACLs (QUEUEY_API.md "Resources and auth").
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { errors } from '../errors.js';
import type { QueueRecord } from '../storage/types.js';

export type Permission =
  | 'view_queues'
  | 'create_queue'
  | 'delete_queue'
  | 'create'
  | 'view'
  | 'delete';

interface KeyEntry {
  application: string;
  digest: Buffer;
}

const SCHEME = 'application ';

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

export class Authenticator {
  readonly #entries: KeyEntry[];

  constructor(applications: Readonly<Record<string, readonly string[]>>) {
    this.#entries = Object.entries(applications).flatMap(([application, keys]) =>
      keys.map((key) => ({ application, digest: digest(key) })),
    );
  }

  /**
   * The principals of an `Authorization` header (credentials joined by `;`).
   * A key that matches no application is a 401. Every configured key is
   * compared, in constant time, so timing tells nothing about the keys.
   */
  principals(header: string | null): Set<string> {
    const principals = new Set<string>();
    for (const credential of (header ?? '').split(';').map((part) => part.trim())) {
      if (credential.slice(0, SCHEME.length).toLowerCase() !== SCHEME) continue;
      const presented = digest(credential.slice(SCHEME.length).trim());
      let matched = false;
      for (const entry of this.#entries) {
        if (timingSafeEqual(entry.digest, presented)) {
          principals.add(`app:${entry.application}`);
          matched = true;
        }
      }
      if (!matched) throw errors.unauthorized();
    }
    return principals;
  }
}

/** Whether these principals hold `permission` on the application or a queue of it. */
export function allowed(options: {
  principals: ReadonlySet<string>;
  permission: Permission;
  application: string;
  queue?: QueueRecord;
}): boolean {
  const { principals, permission, application, queue } = options;
  const owner = `app:${queue?.application ?? application}`;
  if (!queue) {
    return (permission === 'view_queues' || permission === 'create_queue') && principals.has(owner);
  }
  switch (permission) {
    case 'create':
    case 'create_queue':
    case 'delete_queue':
      return principals.has(owner);
    case 'view':
      if (queue.type === 'public') return true;
      return canReadOrDelete(principals, owner, queue);
    case 'delete':
      return canReadOrDelete(principals, owner, queue);
    default:
      return false;
  }
}

// Listed principles replace the owner for reading and deleting messages.
function canReadOrDelete(principals: ReadonlySet<string>, owner: string, queue: QueueRecord) {
  if (queue.principles.length === 0) return principals.has(owner);
  return queue.principles.some((principle) => principals.has(principle));
}
