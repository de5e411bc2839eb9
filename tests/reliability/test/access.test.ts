// Every route × every kind of caller, against QUEUEY_API.md's rules: only the
// allowed combinations succeed; the rest are 401 (unknown key) or 403.
import { startServer } from '@qdo/queuey-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from './support/fixture.js';
import { newKey } from './support/secrets.js';

const KEYS = { owner: newKey(), other: newKey(), friend: newKey(), wrong: newKey() };
type Caller = 'none' | 'wrong' | 'other' | 'friend' | 'owner' | 'owner+friend';
const CALLERS: Caller[] = ['none', 'wrong', 'other', 'friend', 'owner', 'owner+friend'];
const principalsOf: Record<Caller, string[]> = {
  none: [],
  wrong: [],
  other: ['app:other'],
  friend: ['app:friend'],
  owner: ['app:owner'],
  'owner+friend': ['app:owner', 'app:friend'],
};
function header(caller: Caller): Record<string, string> {
  const key = (k: string) => `Application ${k}`;
  switch (caller) {
    case 'none':
      return {};
    case 'owner+friend':
      return { authorization: `${key(KEYS.owner)}; ${key(KEYS.friend)}` };
    default:
      return { authorization: key(KEYS[caller]) };
  }
}

type Kind = 'private' | 'listed' | 'public';
const QUEUES: Record<Kind, string> = {
  private: 'type=user',
  listed: 'type=user&principles=app:friend',
  public: 'type=public',
};
type Permission = 'view_queues' | 'create_queue' | 'delete_queue' | 'create' | 'view' | 'delete';

/** QUEUEY_API.md "Resources and auth", written out independently of the server's code. */
function allowed(permission: Permission, caller: Caller, queue?: Kind): boolean {
  const p = principalsOf[caller];
  const owner = p.includes('app:owner');
  if (!queue) return owner && (permission === 'view_queues' || permission === 'create_queue');
  if (permission === 'view' && queue === 'public') return true;
  if (permission === 'view' || permission === 'delete') {
    return queue === 'listed' ? p.includes('app:friend') : owner;
  }
  return owner; // create, create_queue (update), delete_queue
}

interface Route {
  name: string;
  permission: Permission;
  method: string;
  ok: number;
  queue: boolean;
  /** Path below /v1/owner, given the queue and a message id in it. */
  path(queue: string, id: string): string;
  body?: string;
  form?: boolean;
}
const ROUTES: Route[] = [
  {
    name: 'list queues',
    permission: 'view_queues',
    method: 'GET',
    ok: 200,
    queue: false,
    path: () => '',
  },
  {
    name: 'create queue',
    permission: 'create_queue',
    method: 'POST',
    ok: 201,
    queue: false,
    path: () => '',
    body: 'queue_name=made',
    form: true,
  },
  {
    name: 'read messages',
    permission: 'view',
    method: 'GET',
    ok: 200,
    queue: true,
    path: (q) => `/${q}`,
  },
  {
    name: 'post message',
    permission: 'create',
    method: 'POST',
    ok: 201,
    queue: true,
    path: (q) => `/${q}`,
    body: 'hi',
  },
  {
    name: 'update queue',
    permission: 'create_queue',
    method: 'PUT',
    ok: 200,
    queue: true,
    path: (q) => `/${q}`,
    body: 'partitions=2',
    form: true,
  },
  {
    name: 'delete queue',
    permission: 'delete_queue',
    method: 'DELETE',
    ok: 200,
    queue: true,
    path: (q) => `/${q}`,
  },
  {
    name: 'get by id',
    permission: 'view',
    method: 'GET',
    ok: 200,
    queue: true,
    path: (q, id) => `/${q}/${id}`,
  },
  {
    name: 'put by id',
    permission: 'create',
    method: 'PUT',
    ok: 200,
    queue: true,
    path: (q, id) => `/${q}/${id}`,
    body: 'x',
  },
  {
    name: 'delete by id',
    permission: 'delete',
    method: 'DELETE',
    ok: 200,
    queue: true,
    path: (q, id) => `/${q}/${id}`,
  },
];

const tmp = tempDir('access');
let base = '';
let close = async () => {};
beforeAll(async () => {
  const server = await startServer({
    port: 0,
    db: `${tmp.dir}/queuey.db`,
    applications: { owner: [newKey(), KEYS.owner], other: KEYS.other, friend: KEYS.friend },
  });
  base = server.url;
  close = server.close;
});
afterAll(async () => {
  await close();
  tmp.remove();
});

const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
  fetch(`${base}${path}`, { method, headers, body });
const asOwner = header('owner');
let fresh = 0;

/** A new queue of this kind with one message; its name and the message's id. */
async function freshQueue(kind: Kind): Promise<{ queue: string; id: string }> {
  const queue = `${kind}${fresh++}`;
  const form = { ...asOwner, 'content-type': 'application/x-www-form-urlencoded' };
  expect(
    (await send('POST', '/v1/owner', form, `queue_name=${queue}&${QUEUES[kind]}`)).status,
  ).toBe(201);
  const posted = await send(
    'POST',
    `/v1/owner/${queue}`,
    { ...asOwner, 'content-type': 'text/plain' },
    'm',
  );
  const { messages } = (await posted.json()) as { messages: { key: string }[] };
  return { queue, id: `1:${messages[0]?.key}` };
}

const rows = ROUTES.flatMap((route) =>
  (route.queue ? (['private', 'listed', 'public'] as Kind[]) : [undefined]).flatMap((kind) =>
    CALLERS.map((caller) => ({ route, kind, caller })),
  ),
);

describe('access rules', () => {
  test.each(rows)('$route.name on $kind queue by $caller', async ({ route, kind, caller }) => {
    const { queue, id } = kind ? await freshQueue(kind) : { queue: '', id: '' };
    const headers: Record<string, string> = { ...header(caller) };
    if (route.body !== undefined) {
      headers['content-type'] = route.form ? 'application/x-www-form-urlencoded' : 'text/plain';
    }
    const answer = await send(
      route.method,
      `/v1/owner${route.path(queue, id)}`,
      headers,
      route.body,
    );
    const text = await answer.text();
    const expected =
      caller === 'wrong' ? 401 : allowed(route.permission, caller, kind) ? route.ok : 403;
    expect(answer.status, text).toBe(expected);
    if (expected === 403) expect(text).toContain('Access was denied');
    if (expected === 401)
      expect(JSON.parse(text).error_msg).toEqual({
        InvalidApplicationKey: 'Invalid application key',
      });
  });
});

test("an application never sees another application's queues, nor an unconfigured app", async () => {
  const { queue } = await freshQueue('public');
  expect((await send('GET', `/v1/other/${queue}`, header('other'))).status).toBe(404);
  expect((await send('GET', `/v1/other/${queue}`, {})).status).toBe(404);
  const list = (await (await send('GET', '/v1/other', header('other'))).json()) as {
    queues: unknown[];
  };
  expect(list.queues).toEqual([]);
  expect((await send('GET', '/v1/nobody', header('owner'))).status).toBe(404);
  expect((await send('GET', '/__heartbeat__', {})).status).toBe(200);
  expect((await send('GET', '/__heartbeat__', header('wrong'))).status).toBe(200);
});
