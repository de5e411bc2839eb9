import { describe, expect, it } from 'vitest';
import { HookError, loadHook, parseHookSpec } from '../src/index.js';
import { tempDir } from './helpers.js';

const files = {
  'jobs/plain.js':
    "export function job(m) { return 'js:' + m; }\nexport const notAFunction = 42;\n",
  'jobs/module.mjs':
    "export default (m) => 'mjs:' + m;\nexport const job = (m) => 'mjs-named:' + m;\n",
  'jobs/typed.ts':
    "import { prefix } from './prefix.ts';\nexport const job = (m: string): string => prefix + m;\n",
  'jobs/prefix.ts': "export const prefix: string = 'ts:';\n",
  'jobs/broken.js': 'export const job = ;\n',
  'node_modules/fake-hooks/package.json': JSON.stringify({
    name: 'fake-hooks',
    type: 'module',
    exports: { '.': { types: './x.d.ts', import: './dist/index.js' }, './extra': './extra.js' },
  }),
  'node_modules/fake-hooks/dist/index.js': 'export const failure = () => "pkg";\n',
  'node_modules/fake-hooks/extra.js': 'export const extra = () => "extra";\n',
};

describe('parseHookSpec', () => {
  it('splits module and export at the last colon, defaulting to the default export', () => {
    expect(parseHookSpec('@qdo/failure:saveFailedMessage')).toEqual({
      module: '@qdo/failure',
      export: 'saveFailedMessage',
    });
    expect(parseHookSpec('./jobs/a.ts:job')).toEqual({ module: './jobs/a.ts', export: 'job' });
    expect(parseHookSpec('./jobs/a.ts')).toEqual({ module: './jobs/a.ts', export: 'default' });
    expect(parseHookSpec('C:\\jobs\\a.js')).toEqual({
      module: 'C:\\jobs\\a.js',
      export: 'default',
    });
  });
});

describe('loadHook', () => {
  it('loads .js, .mjs and .ts files relative to the config directory', async () => {
    using dir = tempDir(files);
    const js = await loadHook<(m: string) => string>('./jobs/plain.js:job', dir.path);
    const mjs = await loadHook<(m: string) => string>('./jobs/module.mjs', dir.path);
    const mjsNamed = await loadHook<(m: string) => string>('./jobs/module.mjs:job', dir.path);
    const ts = await loadHook<(m: string) => string>('./jobs/typed.ts:job', dir.path);
    expect([js('a'), mjs('b'), mjsNamed('c'), ts('d')]).toEqual([
      'js:a',
      'mjs:b',
      'mjs-named:c',
      'ts:d',
    ]);
  });

  it('resolves package names from the config directory through their exports', async () => {
    using dir = tempDir(files);
    const failure = await loadHook<() => string>('fake-hooks:failure', dir.path);
    const extra = await loadHook<() => string>('fake-hooks/extra:extra', dir.path);
    expect([failure(), extra()]).toEqual(['pkg', 'extra']);
  });

  it('explains a missing module, a missing export and a non-function export', async () => {
    using dir = tempDir(files);
    const cases: [string, RegExp][] = [
      [
        './jobs/nope.js:job',
        /^hook \.\/jobs\/nope\.js:job: no such file .*nope\.js \(paths are relative to the config file\)$/,
      ],
      [
        'not-installed-pkg:job',
        /^hook not-installed-pkg:job: cannot find module "not-installed-pkg" from .* \(is it installed\?\)$/,
      ],
      [
        './jobs/plain.js:missing',
        /^hook \.\/jobs\/plain\.js:missing: \.\/jobs\/plain\.js has no export "missing" \(it exports: job, notAFunction\)$/,
      ],
      [
        './jobs/plain.js:notAFunction',
        /export "notAFunction" of \.\/jobs\/plain\.js is a number, not a function$/,
      ],
      ['./jobs/broken.js:job', /^hook \.\/jobs\/broken\.js:job: cannot load .*broken\.js: /],
      ['fake-hooks/missing:x', /package fake-hooks does not export "\.\/missing"/],
      ['file://host:99999/x.mjs:job', /is not a valid file: URL$/],
    ];
    for (const [spec, message] of cases) {
      const error = await loadHook(spec, dir.path).catch((e: unknown) => e);
      expect(error, spec).toBeInstanceOf(HookError);
      expect((error as HookError).exitCode).toBe(2);
      expect((error as Error).message, spec).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});
