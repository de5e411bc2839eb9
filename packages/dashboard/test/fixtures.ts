import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTempQueuey, type TempQueuey } from '@qdo/test-server';
import { waitFor } from '@qdo/test-utils';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterEach, beforeEach } from 'vitest';
import type { Snapshot } from '../src/api-types.js';
import { type DashboardOptions, type RunningDashboard, serveDashboard } from '../src/index.js';

export const APP_KEY = 'd4c3b2a1d4c3b2a1d4c3b2a1d4c3b2a1';
export const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

let counter = 0;
/** A queue name no other test uses. */
export const uniqueName = (prefix = 'q') => `${prefix}${Date.now().toString(36)}x${++counter}`;

export type Queuey = TempQueuey;

/** Our real Queuey server on an ephemeral port, over a SQLite file in a temp dir. */
export function startQueuey(): Promise<Queuey> {
  return startTempQueuey({ appKey: APP_KEY, prefix: 'qdo-dashboard-' });
}

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's Chromium, headless, with a fresh profile that is deleted on close.
 * `args`: more command-line switches (e.g. --host-resolver-rules).
 */
export async function launchBrowser(
  args: readonly string[] = [],
): Promise<BrowserContext & { dispose(): Promise<void> }> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (node scripts/services.mjs)`,
    );
  const profile = await mkdtemp(join(tmpdir(), 'qdo-dashboard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
  });
  return Object.assign(context, {
    async dispose() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  });
}

/** Saves a full-page screenshot under test-artifacts/ (ignored by git). */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}

/** test-utils' waitFor, where a check that throws (an element not there yet) counts as not yet. */
export const until = (what: string, check: () => boolean | Promise<boolean>, ms = 20_000) =>
  waitFor(
    async () => {
      try {
        return await check();
      } catch {
        return false;
      }
    },
    { what, timeout: ms, interval: 50 },
  );

/** The visible text of the first element matching `selector`, trimmed. */
export const textOf = async (page: Page, selector: string) =>
  ((await page.locator(selector).first().textContent({ timeout: 5000 })) ?? '').trim();

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * One request through node:http, which sends the Host header it is given
 * (fetch() always sends the URL's): a DNS-rebinding page as the server sees it.
 */
export function rawRequest(
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: unknown },
): Promise<RawAnswer> {
  const { port } = new URL(url);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject).end(body);
  });
}

/** GET of a page, as a browser opens it: the answer, its session cookie (name=value), the page's CSRF token. */
export async function openPage(url: string, headers: Record<string, string> = {}) {
  const { pathname, search } = new URL(url);
  const answer = await rawRequest(url, { path: pathname + search, headers });
  const setCookie = answer.headers['set-cookie']?.[0] ?? '';
  return {
    ...answer,
    cookie: setCookie.split(';')[0] ?? '',
    csrf: /"csrf":"([^"]+)"/.exec(answer.text)?.[1] ?? '',
  };
}

/** A dashboard action's answer: its status, error ('' when none), result and fresh snapshot. */
export interface ActionAnswer {
  status: number;
  error: string;
  result?: Record<string, unknown>;
  snapshot?: Snapshot;
}

/**
 * The set-up of the dashboard's HTTP tests: a fresh Queuey for each test,
 * and the dashboards the test serves on it, all closed after it. Call once
 * at the top of a file; `queuey` is this test's server.
 */
export function useDashboards() {
  let current: Queuey | undefined;
  const open: RunningDashboard[] = [];
  beforeEach(async () => {
    current = await startQueuey();
  });
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
    await current?.close();
    current = undefined;
  });
  const queuey = (): Queuey => {
    if (!current) throw new Error('useDashboards: the Queuey exists only inside a test');
    return current;
  };
  /** A dashboard on this test's Queuey (one sample a minute: actions answer fresh snapshots). */
  const serve = async (options: Partial<DashboardOptions> = {}) => {
    const d = await serveDashboard({ queuey: queuey().client, sampleSeconds: 60, ...options });
    open.push(d);
    return d;
  };
  return {
    get queuey() {
      return queuey();
    },
    serve,
    /** A dashboard (at `url`) and a function that runs one of its actions as its own page would. */
    async actions(options: Partial<DashboardOptions> = {}) {
      const d = await serve(options);
      const { cookie, csrf } = await openPage(d.url);
      const act = async (path: string, body: unknown): Promise<ActionAnswer> => {
        const res = await fetch(new URL(path, d.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
          body: JSON.stringify(body),
        });
        const answer = (await res.json()) as Partial<ActionAnswer>;
        return { ...answer, status: res.status, error: answer.error ?? '' };
      };
      return Object.assign(act, { url: d.url });
    },
  };
}
