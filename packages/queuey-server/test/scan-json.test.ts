import { describe, expect, it } from 'vitest';
import { parseJson, scanJson } from '../src/http/body.js';

/** A deterministic generator (mulberry32), so a failure names its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'a',
  '"',
  '\\',
  '\\u',
  '[',
  ']',
  '{',
  '}',
  'é',
  '😀',
  '\ud800',
  '\udfff',
  '\n',
  ' ',
];

function value(next: () => number, depth: number): unknown {
  const kind = Math.floor(next() * (depth > 8 ? 3 : 5));
  if (kind === 0) return Math.floor(next() * 1000);
  if (kind === 1 || kind === 2) {
    let s = '';
    for (let n = Math.floor(next() * 6); n > 0; n--)
      s += PIECES[Math.floor(next() * PIECES.length)];
    return s;
  }
  const items = Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
  if (kind === 3) return items;
  return Object.fromEntries(items.map((item, i) => [`${i}${String(item).slice(0, 3)}`, item]));
}

function depthOf(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  const inner = Array.isArray(v) ? v : Object.values(v);
  return 1 + Math.max(0, ...inner.map(depthOf));
}

const LONE = /[\uD800-\uDFFF]/u;
function hasLone(v: unknown): boolean {
  if (typeof v === 'string') return LONE.test(v);
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some(hasLone);
  return Object.entries(v).some(([k, x]) => LONE.test(k) || hasLone(x));
}

describe('scanJson', () => {
  it('agrees with the parsed value on 2,000 generated documents (depth, escaped lone surrogates)', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const v = value(random(seed), 0);
      const text = JSON.stringify(v);
      // JSON.stringify escapes lone surrogates (and only those) as \udXXX.
      expect(scanJson(text), `seed ${seed}: ${text}`).toEqual({
        depth: depthOf(v),
        surrogateEscape: hasLone(v),
      });
    }
  });

  it('tells an escaped backslash before "u" from a \\u escape, in either case', () => {
    expect(scanJson('["\\\\ud800"]').surrogateEscape).toBe(false);
    expect(scanJson('["\\ud800"]').surrogateEscape).toBe(true);
    expect(scanJson('["\\uDBFF"]').surrogateEscape).toBe(true);
    expect(scanJson('["\\u00e9", "\\uD7FF", "\\uE000"]').surrogateEscape).toBe(false);
    expect(scanJson('{"a": "[[[[", "b": ["\\"]]]"]}').depth).toBe(2);
  });

  it('leaves unterminated text to JSON.parse', () => {
    expect(scanJson('["abc').depth).toBe(1);
    expect(() => parseJson('["abc')).toThrow();
  });
});

describe('parseJson', () => {
  it('refuses an escaped lone surrogate and keeps an escaped pair', () => {
    expect(() => parseJson('{"body": "x\\ud800"}')).toThrow();
    expect(parseJson('{"body": "\\ud83d\\ude00"}')).toEqual({ body: '😀' });
  });

  it('refuses nesting deeper than 64 and takes 64', () => {
    expect(() => parseJson(`${'['.repeat(65)}${']'.repeat(65)}`)).toThrow();
    expect(depthOf(parseJson(`${'['.repeat(64)}${']'.repeat(64)}`))).toBe(64);
  });
});
