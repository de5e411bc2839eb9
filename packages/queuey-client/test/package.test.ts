import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Builds, packs and installs the package the way a user would: from the
// registry-shaped tarball into an empty project, with npm.
const packageDir = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'queuey-client-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the published package', () => {
  it('installs into an empty project with ky and @qdo/common (dependency-free) as its only dependencies, and imports there', {
    timeout: 240_000,
  }, () => {
    const commonDir = resolve(packageDir, '../common');
    for (const dir of [commonDir, packageDir]) {
      run('pnpm', ['run', 'build'], dir);
      run('pnpm', ['pack', '--pack-destination', work], dir);
    }
    const tarball = readdirSync(work).find((f) => /^qdo-queuey-client-.*\.tgz$/.test(f));
    const common = readdirSync(work).find((f) => /^qdo-common-.*\.tgz$/.test(f));
    expect(tarball).toBeDefined();
    expect(common).toBeDefined();

    const listing = run('tar', ['-tzf', join(work, tarball as string)], work).split('\n');
    expect(listing).toContain('package/dist/index.js');
    expect(listing).toContain('package/dist/index.d.ts');
    expect(listing.filter((f) => /\/(src|test)\//.test(f))).toEqual([]);

    const project = join(work, 'project');
    run('mkdir', ['-p', project], work);
    writeFileSync(join(project, 'package.json'), '{"name":"empty","private":true,"type":"module"}');
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        join(work, common as string),
        join(work, tarball as string),
      ],
      project,
    );

    const installed = readdirSync(join(project, 'node_modules')).filter((n) => !n.startsWith('.'));
    expect(installed.sort()).toEqual(['@qdo', 'ky']);
    expect(readdirSync(join(project, 'node_modules/@qdo')).sort()).toEqual([
      'common',
      'queuey-client',
    ]);

    const script = [
      "import { QueueyClient, QueueyError, isQueueyError } from '@qdo/queuey-client';",
      "const client = new QueueyClient({ connection: 'http://127.0.0.1:1/v1/queuey/', retries: 0 });",
      'const error = await client.connect().catch((e) => e);',
      'console.log(JSON.stringify({ server: client.server, base: error instanceof QueueyError,',
      '  name: error.name, code: error.code, is: isQueueyError(error) }));',
    ].join('\n');
    writeFileSync(join(project, 'check.mjs'), script);
    expect(JSON.parse(run('node', ['check.mjs'], project))).toEqual({
      server: 'http://127.0.0.1:1/v1/queuey/',
      base: true,
      name: 'QueueyConnectionError',
      code: 'QUEUEY_CLIENT_CONNECTION_ERROR',
      is: true,
    });
  });

  it('loads no node: module up front, so browsers can use it', () => {
    const dist = join(packageDir, 'dist');
    for (const file of readdirSync(dist).filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(join(dist, file), 'utf8');
      expect(code, file).not.toMatch(/^\s*import[^;]*from\s*['"]node:/m);
      expect(code, file).not.toMatch(/import\(\s*['"]node:/);
    }
  });
});
