import { describe, expect, it } from 'vitest';
import { ServerPool } from '../src/servers.js';
import { fakeClock } from './helpers.js';

const urls = (...hosts: string[]) => hosts.map((h) => new URL(`http://${h}/v1/q/`));
const hosts = (servers: URL[]) => servers.map((s) => s.host);

describe('server selection', () => {
  it('prefers every kind of local server over remote ones', () => {
    for (const local of ['127.0.0.9', 'localhost:5000', '[::1]:5000']) {
      const pool = new ServerPool({
        servers: urls('a.example', 'b.example', local),
        cooldown: 1000,
        now: () => 0,
      });
      expect(pool.order()[0]?.host).toBe(local);
    }
  });

  it('picks among remote servers at random', () => {
    const servers = urls('a.example', 'b.example', 'c.example');
    const first = (r: number) =>
      new ServerPool({ servers, cooldown: 1, now: () => 0, random: () => r }).order()[0]?.host;
    expect(new Set([first(0), first(0.5), first(0.99)]).size).toBeGreaterThan(1);
  });

  it('moves a failed server behind the others until its cool-down has passed', () => {
    const clock = fakeClock();
    const pool = new ServerPool({
      servers: urls('127.0.0.1:1', 'remote.example'),
      cooldown: 30_000,
      now: clock.now,
    });
    const [local] = pool.order();
    pool.failed(local as URL);
    expect(hosts(pool.order())).toEqual(['remote.example', '127.0.0.1:1']);
    clock.advance(29_999);
    expect(pool.order()[0]?.host).toBe('remote.example');
    clock.advance(1);
    expect(pool.order()[0]?.host).toBe('127.0.0.1:1');
  });

  it('still offers every server, oldest failure first, when all are cooling down', () => {
    const clock = fakeClock();
    const pool = new ServerPool({
      servers: urls('127.0.0.1:1', '127.0.0.1:2'),
      cooldown: 30_000,
      now: clock.now,
      random: () => 0.99,
    });
    const [first, second] = pool.order() as [URL, URL];
    pool.failed(second);
    clock.advance(10);
    pool.failed(first);
    expect(pool.order()).toEqual([second, first]);
    pool.succeeded(first);
    expect(pool.order()).toEqual([first, second]);
  });
});
