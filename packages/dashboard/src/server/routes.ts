import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RatePoint, Snapshot } from '../api-types.js';
import type { Actions } from './actions.js';
import type { Asset } from './assets.js';
import { page } from './assets.js';
import { answerFor, DashboardError } from './errors.js';
import type { Sampler } from './sampler.js';
import type { Security } from './security.js';

export const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function plain(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000)
      throw new DashboardError('request body over 1 MB', 'QDO_DASHBOARD_BAD_REQUEST');
    chunks.push(chunk as Buffer);
  }
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
    if (typeof body === 'object' && body !== null && !Array.isArray(body))
      return body as Record<string, unknown>;
  } catch {}
  throw new DashboardError('request body must be a JSON object', 'QDO_DASHBOARD_BAD_REQUEST');
}

/** The dashboard's routes: pages, data (GET) and actions (POST). */
export function handler(ctx: {
  sampler: Sampler;
  actions: Actions;
  security: Security;
  assets: Map<string, Asset>;
  readOnly: boolean;
  sampleSeconds: number;
  goneSeconds: number;
}) {
  const { sampler, security } = ctx;
  const snapshot = async (): Promise<Snapshot> => sampler.snapshot ?? (await sampler.sample());
  const post: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    '/api/seek': async (b) => {
      const moved = await ctx.actions.seek(b);
      sampler.rebase(moved.partition, moved.processed);
      return moved;
    },
    '/api/pause': (b) => ctx.actions.pause(b),
    '/api/resume': (b) => ctx.actions.resume(b),
    '/api/errors/replay': (b) => ctx.actions.replay(b),
    '/api/errors/purge': (b) => ctx.actions.purge(b),
    '/api/errors/group/replay': (b) => ctx.actions.replayGroup(b),
    '/api/errors/group/purge': (b) => ctx.actions.purgeGroup(b),
    '/api/post': (b) => ctx.actions.post(b),
    '/api/refresh': async () => ({}),
  };

  return async (req: IncomingMessage, res: ServerResponse, streams: Set<ServerResponse>) => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const host = security.checkHost(req);
    // Before anything else: a rebinding page gets no cookie, no token, no data, no action.
    if (!host.ok) return plain(res, host.status, host.reason);
    const asset = ctx.assets.get(url.pathname);
    if (asset && req.method === 'GET') {
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': asset.type,
        'cache-control': 'no-cache',
      });
      return res.end(asset.body);
    }
    let session = security.session(req);
    if (url.pathname === '/' && req.method === 'GET') {
      if (!session && !security.tokenGiven(req, url))
        return json(res, 401, { error: 'this dashboard needs its token: open /?token=…' });
      const headers: Record<string, string> = {
        ...SECURITY_HEADERS,
        'content-type': 'text/html; charset=utf-8',
      };
      if (!session) {
        const fresh = security.newSession();
        session = fresh.id;
        headers['set-cookie'] = fresh.cookie;
      }
      if (url.searchParams.has('token')) {
        // Keep the token out of the address bar and history.
        res.writeHead(303, { ...headers, location: '/' });
        return res.end();
      }
      res.writeHead(200, headers);
      return res.end(
        page({
          readOnly: ctx.readOnly,
          csrf: security.csrfFor(session),
          sampleSeconds: ctx.sampleSeconds,
          goneSeconds: ctx.goneSeconds,
        }),
      );
    }
    if (!session && !security.tokenGiven(req, url))
      return json(res, 401, { error: 'token required' });
    if (req.method === 'GET') {
      if (url.pathname === '/api/snapshot') return json(res, 200, await snapshot());
      if (url.pathname === '/api/history') return json(res, 200, sampler.history);
      if (url.pathname === '/api/errors')
        return json(
          res,
          200,
          await ctx.actions.listErrors(url.searchParams.get('queue') || undefined),
        );
      if (url.pathname === '/api/errors/groups')
        return json(
          res,
          200,
          await ctx.actions.listGroups(url.searchParams.get('queue') || undefined),
        );
      if (url.pathname === '/api/peek')
        return json(res, 200, await ctx.actions.peek(url.searchParams));
      if (url.pathname === '/api/events') return events(res, sampler, streams, await snapshot());
      return json(res, 404, { error: `no page ${url.pathname}` });
    }
    if (req.method !== 'POST') return json(res, 405, { error: `${req.method} is not allowed` });
    const action = post[url.pathname];
    if (!action) return json(res, 404, { error: `no action ${url.pathname}` });
    const verdict = security.checkAction(req, session);
    if (!verdict.ok) return json(res, verdict.status, { error: verdict.reason });
    if (ctx.readOnly) return json(res, 403, { error: 'this dashboard is read-only' });
    try {
      const result = await action(await readJson(req));
      const fresh = await sampler.fresh();
      return json(res, 200, { ok: true, result, snapshot: fresh });
    } catch (error) {
      const answer = answerFor(error);
      return json(res, answer.status, { error: answer.message });
    }
  };
}

/** Server-sent events: the snapshot and throughput history now, then each new sample. */
function events(
  res: ServerResponse,
  sampler: Sampler,
  streams: Set<ServerResponse>,
  first: Snapshot,
) {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/event-stream; charset=utf-8',
    connection: 'keep-alive',
  });
  const send = (event: string, data: unknown) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send('history', sampler.history);
  send('snapshot', first);
  const off = sampler.onSample((snapshot: Snapshot, point: RatePoint | undefined) => {
    if (point) send('point', point);
    send('snapshot', snapshot);
  });
  streams.add(res);
  res.on('close', () => {
    off();
    streams.delete(res);
  });
}
