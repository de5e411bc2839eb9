import { describe, expect, it } from 'vitest';
import { listenProblem } from '../src/index.js';

const target = { host: 'h', port: 80, hostSetting: '--host', portSetting: '--port' };
const failure = (code: string) => Object.assign(new Error(code), { code });

describe('listenProblem', () => {
  it('names the host setting for an address that does not resolve or is not this machine', () => {
    expect(listenProblem(failure('ENOTFOUND'), target)).toMatch(
      /^--host "h" is neither an IP address/,
    );
    expect(listenProblem(failure('EADDRNOTAVAIL'), target)).toMatch(
      /^--host h is not an address of this machine/,
    );
  });

  it('names the port setting for a privileged port', () => {
    expect(listenProblem(failure('EACCES'), target)).toMatch(/^--port 80 needs privileges/);
  });

  it('leaves an address in use and other failures to the caller', () => {
    expect(listenProblem(failure('EADDRINUSE'), target)).toBeUndefined();
    expect(listenProblem(new Error('boom'), target)).toBeUndefined();
    expect(listenProblem(undefined, target)).toBeUndefined();
  });
});
