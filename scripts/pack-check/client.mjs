// @qdo/queuey-client alone, as a user installs it: npm, an empty CommonJS
// project (what `npm init -y` writes), ESM import, CommonJS require, and a
// strict TypeScript check of both module kinds against the shipped types.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { attempt, run } from './util.mjs';

const UNREACHABLE = 'http://127.0.0.1:1/v1/queuey/';

const probe = (load) => `${load}
const client = new QueueyClient({ connection: '${UNREACHABLE}', retries: 0 });
// A post first looks for the optional @opentelemetry/api, which is not installed here.
client.postMessage('q', 'hello').then(
  () => { console.log('{"unexpected":"posted"}'); },
  (error) => console.log(JSON.stringify({ base: error instanceof QueueyError, code: error.code,
    is: isQueueyError(error) })),
);
`;

const typed = `import { QueueyClient, isQueueyError } from '@qdo/queuey-client';
import type { Message, QueueyErrorCode } from '@qdo/queuey-client';

export async function newest(queue: string): Promise<string | undefined> {
  const client = new QueueyClient({ connection: '${UNREACHABLE}', appKey: 'k' });
  try {
    const messages: Message[] = await client.messages(queue, { limit: 1 });
    return messages[0]?.body;
  } catch (error) {
    if (isQueueyError(error)) {
      const code: QueueyErrorCode = error.code;
      return code;
    }
    throw error;
  }
}
// @ts-expect-error the types are real: a client needs a connection
new QueueyClient({});
`;

export async function checkClient({ work, tarballsWithDeps, typescript }) {
  const project = join(work, 'client');
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), '{ "name": "client-check", "private": true }\n');

  await attempt('client: npm install of the tarball alone (with its @qdo dependencies)', () => {
    const files = tarballsWithDeps(['@qdo/queuey-client']);
    run('npm', ['install', '--no-audit', '--no-fund', ...files], { cwd: project });
    const modules = join(project, 'node_modules');
    const qdo = readdirSync(join(modules, '@qdo')).map((name) => `@qdo/${name}`);
    const others = readdirSync(modules).filter((n) => !n.startsWith('.') && n !== '@qdo');
    if (!qdo.includes('@qdo/queuey-client') || qdo.length !== files.length) {
      throw new Error(`@qdo packages installed: ${qdo.join(', ')}`);
    }
    if (others.join(' ') !== 'ky') {
      throw new Error(`expected ky as the only other package, got ${others.join(', ')}`);
    }
    return `node_modules holds ${[...qdo, ...others].join(', ')}`;
  });

  const expected = '{"base":true,"code":"QUEUEY_CLIENT_CONNECTION_ERROR","is":true}';
  writeFileSync(
    join(project, 'esm.mjs'),
    probe("import { QueueyClient, QueueyError, isQueueyError } from '@qdo/queuey-client';"),
  );
  writeFileSync(
    join(project, 'cjs.cjs'),
    probe("const { QueueyClient, QueueyError, isQueueyError } = require('@qdo/queuey-client');"),
  );
  for (const file of ['esm.mjs', 'cjs.cjs']) {
    await attempt(`client: node ${file}`, () => {
      const out = run(process.execPath, [file], { cwd: project }).trim();
      if (out !== expected) throw new Error(`printed ${out}, expected ${expected}`);
      return out;
    });
  }

  // check.mts is an ES module, check.ts CommonJS (the project has no "type"):
  // TypeScript >= 5.8 with module nodenext types require() of an ES module.
  writeFileSync(join(project, 'check.mts'), typed);
  writeFileSync(join(project, 'check.ts'), typed);
  writeFileSync(
    join(project, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          target: 'es2022',
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        files: ['check.mts', 'check.ts'],
      },
      null,
      2,
    )}\n`,
  );
  const tsc = createRequire(typescript).resolve('typescript/bin/tsc');
  await attempt('client: tsc --strict (ESM .mts and CommonJS .ts, no @types/node)', () => {
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project });
    return `TypeScript ${createRequire(typescript)('typescript/package.json').version}`;
  });
}
