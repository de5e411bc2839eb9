/**
 * Request input, read strictly: bodies capped at the configured limit, text
 * that must be valid UTF-8, and percent-encodings that must be well formed.
 * Bad input is a 400 (or 413) here, never an exception further in.
 */
import { errors } from '../errors.js';
import type { ServedRequest } from './request.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeUtf8(bytes: Uint8Array, field = 'body'): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw errors.badRequest({ [field]: 'The body is not valid UTF-8 text.' });
  }
}

/** Strict percent-decoding: a bad escape or invalid UTF-8 is a 400 naming `where`. */
export function decodeComponent(text: string, where: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw errors.badRequest({
      [where]: `${JSON.stringify(text.slice(0, 80))} has an invalid percent-encoding.`,
    });
  }
}

/** `a=1&b=2` as a map; a repeated name keeps its last value, as the original did. */
export function parseUrlEncoded(text: string, where: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    fields.set(
      decodeComponent(name.replaceAll('+', ' '), where),
      decodeComponent(value.replaceAll('+', ' '), where),
    );
  }
  return fields;
}

export function queryOf(request: ServedRequest): Map<string, string> {
  const url = request.url;
  const start = url.indexOf('?');
  if (start < 0) return new Map();
  const end = url.indexOf('#', start);
  return parseUrlEncoded(url.slice(start + 1, end < 0 ? undefined : end), 'query');
}

export function mediaType(request: ServedRequest): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function isJson(request: ServedRequest): boolean {
  return mediaType(request) === 'application/json';
}

/** Deeper JSON is refused before parsing: code that walks values recursively would overflow. */
export const MAX_JSON_DEPTH = 64;

/**
 * JSON text (decoded UTF-8, see decodeUtf8) to a value, or 400: in the
 * original's words when it does not parse, and saying what is wrong when it
 * nests too deep or holds a lone UTF-16 surrogate (which no storage can keep
 * as it was sent).
 */
export function parseJson(text: string): unknown {
  const scan = scanJson(text);
  if (scan.depth > MAX_JSON_DEPTH) {
    throw errors.badRequest({
      InvalidParameter: `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw errors.badRequest({ InvalidParameter: 'Unable to properly deserialize JSON body.' });
  }
  // Decoded UTF-8 holds no lone surrogate: only a \uD800-\uDFFF escape can
  // make one, so the parsed value is walked only when the text has one.
  if (scan.surrogateEscape && hasLoneSurrogate(value)) {
    throw errors.badRequest({
      InvalidParameter: 'The JSON body holds a lone UTF-16 surrogate (e.g. "\\ud800").',
    });
  }
  return value;
}

/**
 * One pass over JSON text, without parsing it: the deepest nesting of arrays
 * and objects, and whether a string escapes a UTF-16 surrogate. Strings are
 * crossed with indexOf (most of a message batch is string bodies). Exact for
 * valid JSON; for invalid JSON the answer does not matter, JSON.parse refuses it.
 */
export function scanJson(text: string): { depth: number; surrogateEscape: boolean } {
  let depth = 0;
  let deepest = 0;
  let surrogateEscape = false;
  let backslash = text.indexOf('\\');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: its end is the first quote that no backslash escapes.
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote < 0) return { depth: deepest, surrogateEscape };
        if (backslash >= 0 && backslash < from) backslash = text.indexOf('\\', from);
        if (backslash < 0 || backslash > quote) {
          i = quote;
          break;
        }
        if (text.charCodeAt(backslash + 1) === 0x75 && isSurrogateHex(text, backslash + 2))
          surrogateEscape = true;
        from = backslash + 2;
      }
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return { depth: deepest, surrogateEscape };
}

/** Whether the 4 hex digits at `at` name a code unit in D800-DFFF. */
function isSurrogateHex(text: string, at: number): boolean {
  const first = text.charCodeAt(at) | 0x20; // lower case
  const second = text.charCodeAt(at + 1) | 0x20;
  return (
    first === 0x64 && ((second >= 0x38 && second <= 0x39) || (second >= 0x61 && second <= 0x66))
  );
}

// With the u flag a well-formed pair is one code point, so only a lone half matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Whether any string or key in a parsed JSON value holds a lone surrogate (iterative). */
export function hasLoneSurrogate(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (LONE_SURROGATE.test(item)) return true;
    } else if (Array.isArray(item)) {
      for (const inner of item) stack.push(inner);
    } else if (item !== null && typeof item === 'object') {
      for (const [key, inner] of Object.entries(item)) {
        if (LONE_SURROGATE.test(key)) return true;
        stack.push(inner);
      }
    }
  }
  return false;
}

/**
 * The fields of a queue create/update: form-encoded as the original, or
 * (extension) a JSON object or multipart form.
 */
export async function readFields(
  request: ServedRequest,
  limit: number,
): Promise<Record<string, unknown>> {
  const bytes = await request.body(limit);
  const type = mediaType(request);
  if (type === 'application/json') {
    if (bytes.byteLength === 0) return {};
    const value = parseJson(decodeUtf8(bytes));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw errors.badRequest({ InvalidParameter: 'The JSON body must be an object of fields.' });
    }
    return value as Record<string, unknown>;
  }
  if (type === 'multipart/form-data') return readMultipart(request, bytes);
  return Object.fromEntries(parseUrlEncoded(decodeUtf8(bytes), 'body'));
}

async function readMultipart(
  request: ServedRequest,
  bytes: Uint8Array,
): Promise<Record<string, unknown>> {
  const contentType = request.headers.get('content-type') ?? '';
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(bytes), {
      headers: { 'content-type': contentType },
    }).formData();
  } catch {
    throw errors.badRequest({ InvalidParameter: 'Unable to parse the multipart form body.' });
  }
  const entries: [string, FormDataEntryValue][] = [];
  form.forEach((value, name) => {
    entries.push([name, value]);
  });
  const fields: Record<string, unknown> = {};
  for (const [name, value] of entries) {
    fields[name] = typeof value === 'string' ? value : decodeUtf8(await bytesOf(value), name);
  }
  return fields;
}

async function bytesOf(blob: Blob): Promise<Uint8Array> {
  return new Uint8Array(await blob.arrayBuffer());
}
