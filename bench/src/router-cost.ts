/**
 * What routing costs in a Queuey request: Hono's RegExpRouter matching the
 * protocol's three path shapes, beside one whole in-process read through
 * createApp (SQLite in memory), whose hand-written traversal it would
 * replace. `node bench/dist/router-cost.js`; the figure is quoted in
 * packages/queuey-server/README.md ("Routing").
 */
import { performance } from 'node:perf_hooks';
import { createApp, openSqliteStorage } from '@qdo/queuey-server';
import { RegExpRouter } from 'hono/router/reg-exp-router';

const KEY = 'f25bfb8fe200475c8a0532a9cbe7651e';
const headers = { authorization: `Application ${KEY}` };
const storage = await openSqliteStorage({ path: ':memory:' });
const app = createApp({ storage, applications: { queuey: [KEY] } });
const form = { ...headers, 'content-type': 'application/x-www-form-urlencoded' };
await app.fetch(
  new Request('http://x/v1/queuey', { method: 'POST', headers: form, body: 'queue_name=q' }),
);
await app.fetch(new Request('http://x/v1/queuey/q', { method: 'POST', headers, body: 'hello' }));

const router = new RegExpRouter<string>();
for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
  router.add(method, '/v1/:app', 'application');
  router.add(method, '/v1/:app/:queue', 'queue');
  router.add(method, '/v1/:app/:queue/:ids', 'messages');
}
const paths = ['/v1/queuey', '/v1/queuey/q', '/v1/queuey/q/1%3Aabcdef0123456789abcdef0123456789'];
const MATCHES = 200_000;
for (let i = 0; i < 20_000; i++) router.match('GET', paths[i % 3] as string);
let start = performance.now();
for (let i = 0; i < MATCHES; i++) router.match('GET', paths[i % 3] as string);
const matchUs = ((performance.now() - start) * 1000) / MATCHES;

const READS = 20_000;
const read = async () => {
  const answer = await app.fetch(new Request('http://x/v1/queuey/q?limit=10', { headers }));
  if (answer.status !== 200) throw new Error(`read answered ${answer.status}`);
  await answer.text();
};
for (let i = 0; i < 2_000; i++) await read();
start = performance.now();
for (let i = 0; i < READS; i++) await read();
const requestUs = ((performance.now() - start) * 1000) / READS;
await storage.close();
console.log(
  `router match ${matchUs.toFixed(2)} us; whole in-process read ${requestUs.toFixed(1)} us; ` +
    `routing ${((100 * matchUs) / requestUs).toFixed(2)} % of a request`,
);
