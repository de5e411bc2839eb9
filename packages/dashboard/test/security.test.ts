import { describe, expect, test } from 'vitest';
import { isDashboardError, serveDashboard } from '../src/index.js';
import { APP_KEY, openPage, rawRequest, uniqueName, useDashboards } from './fixtures.js';

const dash = useDashboards();

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
    const d = await dash.serve();
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  test('an action needs the session cookie, its CSRF token and our own Origin', async () => {
    const q = uniqueName();
    await dash.queuey.client.createQueue({ queueName: q });
    const d = await dash.serve();
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
    expect((await dash.queuey.client.messages(q)).length).toBe(0);
    const ok = await post(d.url, { cookie, 'x-csrf-token': csrf, origin }, body);
    expect(ok.status).toBe(200);
    expect((await dash.queuey.client.messages(q)).map((m) => m.body)).toEqual(['hi']);
  });

  test('a GET never changes anything: actions answer only to POST', async () => {
    const d = await dash.serve();
    const { cookie } = await session(d.url);
    expect((await fetch(new URL('api/post', d.url), { headers: { cookie } })).status).toBe(404);
  });

  test('--read-only refuses every action, even with a valid session', async () => {
    const q = uniqueName();
    await dash.queuey.client.createQueue({ queueName: q });
    const d = await dash.serve({ readOnly: true });
    const { cookie, csrf, html } = await session(d.url);
    expect(html).toContain('"readOnly":true');
    const res = await post(d.url, { cookie, 'x-csrf-token': csrf }, { queue: q, body: 'hi' });
    expect(res.status).toBe(403);
    expect((await dash.queuey.client.messages(q)).length).toBe(0);
  });

  test('out-of-range options fail before anything listens', async () => {
    for (const bad of [
      { sampleSeconds: 0 },
      { lagCap: 0.5 },
      { stallSeconds: -1 },
      { port: 70000 },
    ]) {
      const error = await serveDashboard({ queuey: dash.queuey.client, ...bad }).catch((e) => e);
      expect(isDashboardError(error), JSON.stringify(bad)).toBe(true);
    }
  });

  test('a non-loopback address needs a token', async () => {
    const error = await serveDashboard({ queuey: dash.queuey.client, host: '0.0.0.0' }).catch(
      (e) => e,
    );
    expect(isDashboardError(error)).toBe(true);
    expect(String(error.message)).toMatch(/needs a token/);
  });

  test('with a token, nothing is served until it is given once; then the session cookie suffices', async () => {
    const d = await dash.serve({ token: 's3cret-token-0123' });
    expect((await fetch(d.url)).status).toBe(401);
    expect((await fetch(new URL('api/snapshot', d.url))).status).toBe(401);
    expect((await fetch(new URL('/?token=wrong', d.url))).status).toBe(401);
    const { res, cookie } = await session(new URL('/?token=s3cret-token-0123', d.url).href);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    expect((await fetch(new URL('api/snapshot', d.url), { headers: { cookie } })).status).toBe(200);
    const bearer = { authorization: 'Bearer s3cret-token-0123' };
    expect((await fetch(new URL('api/snapshot', d.url), { headers: bearer })).status).toBe(200);
  });

  test('a request naming another host is refused (DNS rebinding)', async () => {
    const d = await dash.serve();
    const { port } = new URL(d.url);
    for (const host of [
      `evil.example:${port}`,
      `127.0.0.1.attacker.example:${port}`,
      '127.0.0.1.attacker.example',
      `localhost.attacker.example:${port}`,
      `127.0.0.2:${port}`,
    ]) {
      const page = await openPage(d.url, { host });
      expect(page.status, host).toBe(421);
      expect(page.headers['content-type'], host).toMatch(/^text\/plain/);
      expect(page.headers['set-cookie'], host).toBeUndefined();
      expect(page.text, host).not.toContain('csrf');
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost'])
      expect((await openPage(d.url, { host })).status, host).toBe(200);
  });

  test('a rebinding Host gets no action done, even with a session and token from the real page', async () => {
    const q = uniqueName();
    await dash.queuey.client.createQueue({ queueName: q });
    const d = await dash.serve();
    const { cookie, csrf } = await openPage(d.url);
    const evil = `127.0.0.1.attacker.example:${new URL(d.url).port}`;
    const headers = { host: evil, origin: `http://${evil}`, cookie, 'x-csrf-token': csrf };
    const posted = await rawRequest(d.url, {
      method: 'POST',
      path: '/api/post',
      headers,
      body: { queue: q, body: 'rebound' },
    });
    expect(posted.status).toBe(421);
    const purged = await rawRequest(d.url, {
      method: 'POST',
      path: '/api/errors/purge',
      headers,
      body: { confirm: 'purge' },
    });
    expect(purged.status).toBe(421);
    expect(await dash.queuey.client.messages(q)).toEqual([]);
  });

  test('a name given in allowedHosts is served, with its actions, on any port', async () => {
    const q = uniqueName();
    await dash.queuey.client.createQueue({ queueName: q });
    const d = await dash.serve({ allowedHosts: ['Dash.Example.test'] });
    const host = `dash.example.test:${new URL(d.url).port}`;
    const page = await openPage(d.url, { host });
    expect(page.status).toBe(200);
    const posted = await rawRequest(d.url, {
      method: 'POST',
      path: '/api/post',
      headers: { host, origin: `http://${host}`, cookie: page.cookie, 'x-csrf-token': page.csrf },
      body: { queue: q, body: 'via the allowed name' },
    });
    expect(posted.status, posted.text).toBe(200);
    expect((await dash.queuey.client.messages(q)).map((m) => m.body)).toEqual([
      'via the allowed name',
    ]);
    expect((await openPage(d.url, { host: 'dash.example.test' })).status).toBe(200);
    expect((await openPage(d.url, { host: 'other.example.test' })).status).toBe(421);
  });

  test('allowedHosts refuses what is not a host name', async () => {
    for (const bad of ['*', 'http://dash.example.test', 'dash.example.test:80', ''])
      await expect(
        serveDashboard({ queuey: dash.queuey.client, allowedHosts: [bad] }),
        bad,
      ).rejects.toThrow(/is not a host name/);
  });

  test('a token shorter than 16 characters is refused, without repeating it', async () => {
    const error = await serveDashboard({
      queuey: dash.queuey.client,
      host: '0.0.0.0',
      token: 'tooShort15chars',
    }).catch((e) => e);
    expect(isDashboardError(error)).toBe(true);
    expect(error.message).toMatch(/at least 16 characters/);
    expect(error.message).not.toContain('tooShort15chars');
    const d = await dash.serve({ token: 'sixteen-chars-ok' });
    expect(
      (await fetch(new URL('/?token=sixteen-chars-ok', d.url), { redirect: 'manual' })).status,
    ).toBe(303);
  });

  test('the app key never reaches the browser', async () => {
    const q = uniqueName();
    await dash.queuey.client.createQueue({ queueName: q });
    const d = await dash.serve();
    const { cookie, html } = await session(d.url);
    const texts = [html];
    for (const path of ['assets/app.js', 'api/snapshot', 'api/errors', 'api/history'])
      texts.push(await (await fetch(new URL(path, d.url), { headers: { cookie } })).text());
    for (const text of texts) expect(text).not.toContain(APP_KEY);
    expect(texts[2]).toContain(q);
  });

  test('pages carry a Content-Security-Policy that allows only this origin', async () => {
    const d = await dash.serve();
    const { res } = await session(d.url);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});
