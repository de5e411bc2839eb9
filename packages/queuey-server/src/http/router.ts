/**
 * Resolves `/v1/{app}[/{queue}[/{ids}]]` the way the original traversed it:
 * application (404), queue (404), ids (400), then the method's view, then the
 * permission check (401/403), then the handler.
 */
import { clientOf } from '../admission.js';
import { errors, HttpError } from '../errors.js';
import { allowed, type Permission } from './auth.js';
import { decodeComponent, queryOf } from './body.js';
import type { Answer, AppState, Handler, Peer, RequestContext } from './context.js';
import { MAX_QUEUE_NAME } from './queue-fields.js';
import { lookUpQueue } from './queue-lookup.js';
import type { ServedRequest } from './request.js';
import { readExpired } from './routes/expired.js';
import { deleteByIds, getByIds, parseMessageKeys, putByIds } from './routes/message-ids.js';
import { postMessages, readMessages } from './routes/messages.js';
import { readPositions } from './routes/positions.js';
import { createQueue, deleteQueue, listQueues, updateQueue } from './routes/queues.js';
import { parseBool } from './validate.js';

type Routes = Partial<Record<string, { permission: Permission; handler: Handler }>>;

const APPLICATION: Routes = {
  GET: { permission: 'view_queues', handler: listQueues },
  POST: { permission: 'create_queue', handler: createQueue },
};
const QUEUE: Routes = {
  GET: { permission: 'view', handler: readMessages },
  POST: { permission: 'create', handler: postMessages },
  PUT: { permission: 'create_queue', handler: updateQueue },
  DELETE: { permission: 'delete_queue', handler: deleteQueue },
};
// The `positions` extension: a read of many partitions, each from its own position.
const FETCH = { permission: 'view', handler: readPositions } as const;
// The `expired` extension: what the purge removed at expiry, per partition.
const EXPIRED = { permission: 'view', handler: readExpired } as const;
const MESSAGES: Routes = {
  GET: { permission: 'view', handler: getByIds },
  PUT: { permission: 'create', handler: putByIds },
  DELETE: { permission: 'delete', handler: deleteByIds },
};

export async function dispatch(
  state: AppState,
  request: ServedRequest,
  peer: Peer = { connection: undefined, address: undefined },
): Promise<Answer> {
  const pathname = pathOf(request.url);
  const raw = pathname.split('/').slice(1);
  // `/v1/queuey/` is the app root, as clients write it. After a queue an empty
  // last segment is an empty id list (400), never the queue itself: a stray
  // slash must not turn a message delete into a queue delete.
  if (raw.length === 3 && raw[2] === '') raw.pop();
  const segments = raw.map((segment) => decodeComponent(segment, 'path'));
  const [version, application, queueName, ids] = segments;
  const inner = ids === undefined ? segments : segments.slice(0, 3);
  if (version !== 'v1' || !application || segments.length > 4 || inner.includes('')) {
    throw errors.notFound('NotFound', `Nothing is served at ${pathname.slice(0, 200)}.`);
  }
  if (!state.applications.has(application)) {
    throw errors.notFound('application', `No application named ${JSON.stringify(application)}.`);
  }
  const query = queryOf(request);
  // A switched-off extension's parameter is ignored, as the original ignored it.
  if (!state.extensions.has('wait')) query.delete('wait');
  if (!state.extensions.has('positions')) query.delete('positions');
  if (!state.extensions.has('max-bytes')) query.delete('max_bytes');
  if (!state.extensions.has('expired')) query.delete('expired');
  let principals: ReadonlySet<string> = new Set();
  const context: RequestContext = {
    state,
    request,
    query,
    application,
    authorize: (permission) => {
      principals = authorize(context, permission);
      if (principals.size > 0) state.admission.trust(peer.connection);
    },
    holder: () => ({
      key: principals.size > 0 ? [...principals].sort().join(' ') : undefined,
      client: clientOf(peer.address),
      connection: peer.connection,
    }),
  };
  let routes = APPLICATION;
  if (queueName !== undefined) {
    if (queueName.length > MAX_QUEUE_NAME) {
      throw errors.notFound('InvalidQueueName', 'Queue name longer than 50 characters.');
    }
    // A post may take its queue from the cache (queue-cache.ts): the insert checks it again.
    const cached =
      ids === undefined && request.method === 'POST'
        ? state.queues.get(application, queueName)
        : undefined;
    context.queue = cached ?? (await lookUpQueue(state, application, queueName));
    context.queueCached = cached !== undefined;
    routes = QUEUE;
  }
  if (ids !== undefined) {
    context.keys = parseMessageKeys(ids);
    routes = MESSAGES;
  }
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const read = routes === QUEUE && method === 'GET';
  const route =
    read && query.has('positions')
      ? FETCH
      : read && parseBool(query.get('expired'))
        ? EXPIRED
        : routes[method];
  if (!route) throw methodNotAllowed(method, routes);
  context.authorize(route.permission);
  return route.handler(context);
}

// Paths most requests have: nothing a URL parser would resolve or re-encode.
const PLAIN_PATH = /^\/[\w\-~%:,/;=+!$&'()*@]*$/;

/**
 * The path of a request target as a URL parser resolves it (dot segments,
 * percent-encoding), parsing only the rare path that needs it. A backslash is
 * refused, not read as a slash.
 */
export function pathOf(target: string): string {
  const end = target.search(/[?#]/);
  const path = end < 0 ? target : target.slice(0, end);
  if (PLAIN_PATH.test(path) && !/%2e/i.test(path)) return path;
  // An absolute target (a proxy's, or a web Request's URL); anything else serves nothing.
  if (!path.startsWith('/')) return URL.canParse(target) ? new URL(target).pathname : path;
  if (path.includes('\\')) {
    throw errors.badRequest({ path: 'A backslash is not allowed in the request path.' });
  }
  return new URL(`http://x${path}`).pathname;
}

function authorize(context: RequestContext, permission: Permission): Set<string> {
  const principals = context.state.authenticator.principals(
    context.request.headers.get('authorization'),
  );
  const target = { principals, permission, application: context.application };
  if (!allowed(context.queue ? { ...target, queue: context.queue } : target)) {
    throw errors.forbidden();
  }
  return principals;
}

function methodNotAllowed(method: string, routes: Routes): HttpError {
  const allow = Object.keys(routes).join(', ');
  return new HttpError(
    405,
    { NotAllowed: `${method.slice(0, 20)} is not allowed here; use ${allow}.` },
    { headers: { allow } },
  );
}
