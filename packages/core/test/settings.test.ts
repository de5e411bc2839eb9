import { describe, expect, it } from 'vitest';
import { defaultSettings, ManualPartitioner, QdoConfigError, settingRules } from '../src/index.js';
import { resolveSettings } from '../src/settings.js';

describe('worker settings', () => {
  it('fill in the documented defaults', () => {
    expect(resolveSettings()).toEqual(defaultSettings);
    expect(defaultSettings).toMatchObject({
      waitInterval: 30,
      batchSize: 100,
      concurrency: 1,
      commitEvery: 0,
      longPoll: 20,
      maxWait: 60,
      shutdownTimeout: 30,
    });
  });

  it('come from one rule table: unique snake_case INI keys, defaults within their ranges, a doc each', () => {
    expect(Object.keys(defaultSettings).sort()).toEqual(settingRules.map((r) => r.key).sort());
    expect(new Set(settingRules.map((r) => r.ini)).size).toBe(settingRules.length);
    for (const rule of settingRules) {
      expect(rule.ini).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(rule.doc.length).toBeGreaterThan(10);
      if (rule.type === 'string') continue;
      if (rule.type === 'choice') {
        expect(rule.values).toContain(rule.default);
        continue;
      }
      expect(rule.default).toBeGreaterThanOrEqual(rule.min as number);
      expect(rule.default).toBeLessThanOrEqual(rule.max as number);
      if (rule.type === 'integer') expect(Number.isInteger(rule.default)).toBe(true);
      // the rule's bounds are what resolveSettings enforces
      expect(() => resolveSettings({ [rule.key]: (rule.max as number) + 1 })).toThrow(rule.key);
    }
  });

  it('reject out-of-range values at construction, naming the setting', () => {
    expect(() => resolveSettings({ batchSize: 0 })).toThrow(QdoConfigError);
    expect(() => resolveSettings({ batchSize: 1001 })).toThrow(
      /settings.batchSize must be between 1 and 1000/,
    );
    expect(() => resolveSettings({ concurrency: 1.5 })).toThrow(/integer/);
    expect(() => resolveSettings({ longPoll: 31 })).toThrow(/longPoll/);
    expect(() => resolveSettings({ waitInterval: Number.NaN })).toThrow(/number/);
    expect(() => resolveSettings({ bogus: 1 } as never)).toThrow(/unknown worker setting "bogus"/);
  });
});

describe('ManualPartitioner', () => {
  it('owns every partition when given no ids, following updates', async () => {
    const p = new ManualPartitioner();
    await p.start(
      { release: async () => {}, changed: () => {} },
      ['a-1', 'b-1'],
      new AbortController().signal,
    );
    expect(p.owned()).toEqual(['a-1', 'b-1']);
    await p.update(['a-1', 'b-1', 'c-1']);
    expect(p.owned()).toEqual(['a-1', 'b-1', 'c-1']);
  });

  it('owns only explicit ids, once their queue exists', async () => {
    const p = new ManualPartitioner(['b-2', 'later-1']);
    await p.start(
      { release: async () => {}, changed: () => {} },
      ['a-1', 'b-1', 'b-2'],
      new AbortController().signal,
    );
    expect(p.owned()).toEqual(['b-2']);
    await p.update(['a-1', 'b-1', 'b-2', 'later-1']);
    expect(p.owned()).toEqual(['b-2', 'later-1']);
  });
});
