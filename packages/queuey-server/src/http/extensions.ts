/**
 * The protocol extensions this server speaks (QUEUEY_API.md "Extensions").
 * Every heartbeat answer lists the enabled ones in `X-Queuey-Extensions`, so
 * a client asks once and falls back when a token is missing. Each can be
 * switched off (`disableExtensions`, `--disable-extension`, INI
 * `[server] disable_extensions`), which lets tests prove those fallbacks
 * against the real server. A new extension adds its token here, one line.
 */
import { ServerConfigError } from '../errors.js';

export const EXTENSIONS: readonly string[] = [
  'wait', // long-poll reads: GET ...?wait=S
  'positions', // multi-partition fetch: GET ...?positions=1:<id>,2
  'if-match', // conditional PUT of one id: If-Match / If-None-Match: *, ETag answers, 412
  'max-bytes', // answer byte budget: GET ...?max_bytes=N, fewer messages than limit when reached
  'expired', // per-partition tallies of messages the purge removed at expiry: GET ...?expired=1
  'partial', // reads name the partitions the answer budget cut or left unread: X-Queuey-Partial
  'headers', // a key/value map per message: batch item "headers", X-Queuey-Header-<key>; returned on reads
];

export const EXTENSIONS_HEADER = 'X-Queuey-Extensions';

/** The enabled extensions; an unknown name is a configuration error naming the known ones. */
export function enabledExtensions(disabled: readonly string[] = []): ReadonlySet<string> {
  const names = disabled.map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  const unknown = names.filter((name) => !EXTENSIONS.includes(name));
  if (unknown.length > 0) {
    throw new ServerConfigError(
      `unknown extension ${unknown.map((name) => JSON.stringify(name)).join(', ')}; known: ${EXTENSIONS.join(', ')}`,
    );
  }
  return new Set(EXTENSIONS.filter((name) => !names.includes(name)));
}

/** The header value: enabled tokens, comma separated, in the order of EXTENSIONS. */
export function extensionsHeader(enabled: ReadonlySet<string>): string {
  return EXTENSIONS.filter((name) => enabled.has(name)).join(', ');
}
