import { describe, expect, it } from 'vitest';
import { HostAllowList, isLoopbackAddress, normalizeHostName } from '../src/index.js';

describe('HostAllowList', () => {
  const list = new HostAllowList({ port: 8080, names: ['Dash.Example.com', '::1', '10.0.0.5'] });

  it('answers to the loopback names with the listening port or none', () => {
    for (const host of ['127.0.0.1:8080', '127.0.0.1', 'localhost:8080', 'LOCALHOST', '[::1]:8080'])
      expect(list.allows(host), host).toBe(true);
  });

  it('refuses names that only start like a loopback name (DNS rebinding)', () => {
    for (const host of [
      '127.0.0.1.attacker.example:8080',
      '127.0.0.1.attacker.example',
      'localhost.attacker.example:8080',
      '127.1.2.3:8080',
      'evil.example:8080',
      '',
      undefined,
      '127.0.0.1:8080:8080',
      '127.0.0.1:9090',
    ])
      expect(list.allows(host), String(host)).toBe(false);
  });

  it('answers to a listed name with any port, in any case', () => {
    expect(list.allows('dash.example.com')).toBe(true);
    expect(list.allows('DASH.example.com:443')).toBe(true);
    expect(list.allows('10.0.0.5:8080')).toBe(true);
    expect(list.allows('dash.example.com.attacker.example')).toBe(false);
    // An SSH tunnel on another port: listing localhost allows it on any port.
    expect(new HostAllowList({ port: 1, names: ['localhost'] }).allows('localhost:9000')).toBe(
      true,
    );
  });
});

describe('HostAllowList with the bound address', () => {
  it('adds a specific address, and nothing for a wildcard', () => {
    expect(new HostAllowList({ port: 1, bound: '127.0.0.2' }).allows('127.0.0.2:1')).toBe(true);
    expect(new HostAllowList({ port: 1, bound: '::' }).allows('[::]:1')).toBe(false);
    expect(new HostAllowList({ port: 1, bound: '0.0.0.0' }).allows('0.0.0.0:1')).toBe(false);
    expect(new HostAllowList({ port: 1, bound: '::1' }).allows('[::1]:2')).toBe(false);
  });
});

describe('normalizeHostName', () => {
  it('keeps names and addresses in the form a Host header carries them', () => {
    expect(normalizeHostName('Dash.Example.COM')).toBe('dash.example.com');
    expect(normalizeHostName('::1')).toBe('[::1]');
    expect(normalizeHostName('[fe80::1]')).toBe('[fe80::1]');
  });

  it('refuses what is not a host name', () => {
    for (const bad of ['', '*', 'http://x.example', 'x.example:80', 'a b', '.example.com', '-x'])
      expect(normalizeHostName(bad), bad).toBeUndefined();
  });
});

describe('isLoopbackAddress', () => {
  it('knows loopback bind addresses and nothing else', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'])
      expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['0.0.0.0', '::', '10.0.0.5', '127.0.0.1.attacker.example', 'localhost.x'])
      expect(isLoopbackAddress(a), a).toBe(false);
  });
});
