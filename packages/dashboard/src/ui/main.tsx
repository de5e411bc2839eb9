import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { info, live, useLive } from './api.js';
import { ErrorsPage } from './errors.js';
import { time } from './format.js';
import { Overview } from './overview.js';
import { PostPage } from './post.js';
import { ERROR_QUEUE, QueuePage } from './queue.js';
import { WorkersPage } from './workers.js';

type Route = { page: 'overview' | 'errors' | 'workers' | 'post' } | { page: 'queue'; name: string };

function parseRoute(hash: string): Route {
  const [, page = '', name = ''] = hash.split('/');
  if (page === 'queue' && name) return { page: 'queue', name: decodeURIComponent(name) };
  if (page === 'errors' || page === 'workers' || page === 'post') return { page };
  return { page: 'overview' };
}

function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return parseRoute(hash);
}

const TITLES = {
  overview: 'Overview',
  errors: 'Errors',
  workers: 'Workers',
  post: 'Post a message',
};

function App() {
  const state = useLive();
  const route = useRoute();
  const heading = useRef<HTMLHeadingElement>(null);
  const title = route.page === 'queue' ? `Queue ${route.name}` : TITLES[route.page];
  // Moving focus to a new page's heading tells keyboard and screen-reader users where they are.
  const first = useRef(true);
  useEffect(() => {
    document.title = `${title} · qdo dashboard`;
    // Not on load: a fresh page keeps the focus at its start, where Tab finds the skip button.
    if (!first.current) heading.current?.focus();
    first.current = false;
  }, [title]);
  const snapshot = state.snapshot;
  const current = (page: string) => (route.page === page ? 'page' : undefined);
  const queues = snapshot?.queues ?? [];
  return (
    <>
      <button type="button" class="skip" onClick={() => heading.current?.focus()}>
        Skip to content
      </button>
      <header>
        <span class="brand">qdo dashboard</span>
        <nav aria-label="Pages">
          <a href="#/" aria-current={current('overview')}>
            Overview
          </a>
          {queues.length > 0 && (
            <a
              href={`#/queue/${encodeURIComponent(route.page === 'queue' ? route.name : (queues[0]?.name ?? ''))}`}
              aria-current={current('queue')}
            >
              Queue
            </a>
          )}
          <a href="#/errors" aria-current={current('errors')}>
            Errors{snapshot?.errors ? ` (${snapshot.errors})` : ''}
          </a>
          <a href="#/workers" aria-current={current('workers')}>
            Workers
          </a>
          {!info.readOnly && (
            <a href="#/post" aria-current={current('post')}>
              Post
            </a>
          )}
        </nav>
        <span class="live" role="status">
          {state.connected ? 'live' : 'reconnecting…'}
          {snapshot ? ` · sampled ${time(new Date(snapshot.at).toISOString())}` : ''}
          {info.readOnly ? ' · read-only' : ''}
        </span>
      </header>
      <main id="main">
        <h1 tabIndex={-1} ref={heading}>
          {title}
        </h1>
        {route.page === 'queue' && (
          <nav aria-label="Queues" class="queues">
            {[...queues.map((q) => q.name), ERROR_QUEUE].map((name) => (
              <a
                key={name}
                href={`#/queue/${encodeURIComponent(name)}`}
                aria-current={name === route.name ? 'page' : undefined}
              >
                {name}
              </a>
            ))}
          </nav>
        )}
        {snapshot?.problem && (
          <p class="notice bad" role="alert">
            The last sample failed: {snapshot.problem}
          </p>
        )}
        {!snapshot ? (
          <p>Waiting for the first sample…</p>
        ) : route.page === 'overview' ? (
          <Overview live={state} snapshot={snapshot} />
        ) : route.page === 'queue' ? (
          <QueuePage snapshot={snapshot} name={route.name} />
        ) : route.page === 'errors' ? (
          <ErrorsPage total={snapshot.errors} />
        ) : route.page === 'workers' ? (
          <WorkersPage snapshot={snapshot} goneSeconds={info.goneSeconds} />
        ) : (
          <PostPage snapshot={snapshot} />
        )}
      </main>
    </>
  );
}

live.start();
const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
