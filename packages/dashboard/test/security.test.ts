import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { isDashboardError, type RunningDashboard, serveDashboard } from '../src/index.js';
import { APP_KEY, type Queuey, startQueuey, uniqueName } from './fixtures.js';

let queuey: Queuey;
const open: RunningDashboard[] = [];

beforeEach(async () => {
  queuey = await startQueuey();
});
afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  await queuey.close();
});

async function serve(options: { readOnly?: boolean; token?: string } = {}) {
  const d = await serveDashboard({ queuey: queuey.client, sampleSeconds: 60, ...options });
  open.push(d);
  return d;
}

/** Opens the page as a browser would: its session cookie and the CSRF token in it. */
async function session(url: string) {
  const res = await fetch(url, { redirect: 'manual' });
  const html = await res.text();
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const csrf = /"csrf":"([^"]+)"/.exec(html)?.[1] ?? '';
  return { res, html, cookie, csrf };
}

const post = (url: string, headers: Record<string, string>, body: unknown = {}) =>
  fetch(new URL('api/post', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('dashboard security', () => {
  test('binds 127.0.0.1 by default and prints a loopback URL', async () => {
    const d = await serve();
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  test('an action needs the session cookie, its CSRF token and our own Origin', async () => {
    const q = uniqueName();
    await queuey.client.createQueue({ queueName: q });
    const d = await serve();
    const { cookie, csrf } = await session(d.url);
    expect(cookie).toMatch(/^qdo_dashboard_[0-9a-f]{8}=/);
    const body = { queue: q, body: 'hi' };
    expect((await post(d.url, { cookie }, body)).status).toBe(403);
    expect((await post(d.url, { 'x-csrf-token': csrf }, body)).status).toBe(401);
    expect((await post(d.url, { cookie, 'x-csrf-token': 'forged' }, body)).status).toBe(403);
    const origin = d.url.replace(/\/$/, '');
    expect(
      (await post(d.url, { cookie, 'x-csrf-token': csrf, origin: 'http://evil.example' }, body))
        .status,
    ).toBe(403);
    expect((await queuey.client.messages(q)).length).toBe(0);
    const ok = await post(d.url, { cookie, 'x-csrf-token': csrf, origin }, body);
    expect(ok.status).toBe(200);
    expect((await queuey.client.messages(q)).map((m) => m.body)).toEqual(['hi']);
  });

  test('a GET never changes anything: actions answer only to POST', async () => {
    const d = await serve();
    const { cookie } = await session(d.url);
    expect((await fetch(new URL('api/post', d.url), { headers: { cookie } })).status).toBe(404);
  });

  test('--read-only refuses every action, even with a valid session', async () => {
    const q = uniqueName();
    await queuey.client.createQueue({ queueName: q });
    const d = await serve({ readOnly: true });
    const { cookie, csrf, html } = await session(d.url);
    expect(html).toContain('"readOnly":true');
    const res = await post(d.url, { cookie, 'x-csrf-token': csrf }, { queue: q, body: 'hi' });
    expect(res.status).toBe(403);
    expect((await queuey.client.messages(q)).length).toBe(0);
  });

  test('out-of-range options fail before anything listens', async () => {
    for (const bad of [
      { sampleSeconds: 0 },
      { lagCap: 0.5 },
      { stallSeconds: -1 },
      { port: 70000 },
    ]) {
      const error = await serveDashboard({ queuey: queuey.client, ...bad }).catch((e) => e);
      expect(isDashboardError(error), JSON.stringify(bad)).toBe(true);
    }
  });

  test('a non-loopback address needs a token', async () => {
    const error = await serveDashboard({ queuey: queuey.client, host: '0.0.0.0' }).catch((e) => e);
    expect(isDashboardError(error)).toBe(true);
    expect(String(error.message)).toMatch(/needs a token/);
  });

  test('with a token, nothing is served until it is given once; then the session cookie suffices', async () => {
    const d = await serve({ token: 's3cret-token' });
    expect((await fetch(d.url)).status).toBe(401);
    expect((await fetch(new URL('api/snapshot', d.url))).status).toBe(401);
    expect((await fetch(new URL('/?token=wrong', d.url))).status).toBe(401);
    const { res, cookie } = await session(new URL('/?token=s3cret-token', d.url).href);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    expect((await fetch(new URL('api/snapshot', d.url), { headers: { cookie } })).status).toBe(200);
    const bearer = { authorization: 'Bearer s3cret-token' };
    expect((await fetch(new URL('api/snapshot', d.url), { headers: bearer })).status).toBe(200);
  });

  test('a request naming another host is refused (DNS rebinding)', async () => {
    const d = await serve();
    const { port } = new URL(d.url);
    // fetch() will not send a foreign Host header; node:http will.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      request(
        { host: '127.0.0.1', port, path: '/', headers: { host: `evil.example:${port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(status).toBe(421);
  });

  test('the app key never reaches the browser', async () => {
    const q = uniqueName();
    await queuey.client.createQueue({ queueName: q });
    const d = await serve();
    const { cookie, html } = await session(d.url);
    const texts = [html];
    for (const path of ['assets/app.js', 'api/snapshot', 'api/errors', 'api/history'])
      texts.push(await (await fetch(new URL(path, d.url), { headers: { cookie } })).text());
    for (const text of texts) expect(text).not.toContain(APP_KEY);
    expect(texts[2]).toContain(q);
  });

  test('pages carry a Content-Security-Policy that allows only this origin', async () => {
    const d = await serve();
    const { res } = await session(d.url);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});
