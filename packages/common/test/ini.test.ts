import { describe, expect, it } from 'vitest';
import { type ConfigProblem, expandEnv, formatProblem, parseIni } from '../src/index.js';

describe('parseIni', () => {
  it('reads sections, both separators, lower-cased keys, continuations and inline comments', () => {
    const problems: ConfigProblem[] = [];
    const doc = parseIni(
      [
        '\uFEFF# a comment',
        '[queuey]',
        'Connection: http://a:5000/#x, http://b:5000  ; the servers',
        'ids =',
        '  q-1',
        '',
        '  q-2 # second',
        'name = "a ; b"',
      ].join('\n'),
      'w.ini',
      problems,
    );
    expect(problems).toEqual([]);
    const queuey = doc.sections.get('queuey');
    expect(queuey?.get('connection')?.raw).toBe('http://a:5000/#x, http://b:5000');
    expect(queuey?.get('ids')).toEqual({ raw: '\nq-1\nq-2', file: 'w.ini', line: 4 });
    expect(queuey?.get('name')?.raw).toBe('"a ; b"');
    expect(doc.headers.get('queuey')).toEqual({ file: 'w.ini', line: 2 });
  });

  it('reports every problem at once, with file and line, and no cascade after a broken header', () => {
    const problems: ConfigProblem[] = [];
    parseIni(
      ['key = before any section', '[a]', 'x = 1', 'x = 2', '[a]', '[broken', 'y = 3', 'what'].join(
        '\n',
      ),
      'bad.ini',
      problems,
    );
    expect(problems.map(formatProblem)).toEqual([
      'bad.ini:1: a "key = value" line before any [section] header',
      'bad.ini:4: [a] x: duplicate key',
      'bad.ini:5: [a]: duplicate section',
      'bad.ini:6: cannot parse line "[broken": expected "key = value" or "[section]"',
      'bad.ini:8: cannot parse line "what": expected "key = value" or "[section]"',
    ]);
  });
});

describe('expandEnv', () => {
  it('substitutes variables and names a missing one with where it was used', () => {
    const problems: ConfigProblem[] = [];
    const where = { file: 'w.ini', line: 3, section: 'queuey', key: 'app_key' };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: INI syntax under test
    expect(expandEnv('k-${KEY}-${NOPE}', { KEY: 'v' }, where, problems)).toBe('k-v-');
    expect(problems.map(formatProblem)).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: INI syntax under test
      'w.ini:3: [queuey] app_key: environment variable NOPE is not set (used as ${NOPE})',
    ]);
  });
});
