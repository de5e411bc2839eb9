import { describe, expect, it } from 'vitest';
import { parseConnection } from '../src/connection.js';
import { isZookeeperError, ZkPartitioner, ZookeeperConfigError } from '../src/index.js';

describe('ZkPartitioner options', () => {
  it('splits hosts from the chroot and adds the default port', () => {
    expect(parseConnection('10.0.0.1:2181, zk2/mozilla-qdo/')).toEqual({
      hosts: '10.0.0.1:2181,zk2:2181',
      root: '/mozilla-qdo',
    });
    expect(parseConnection('127.0.0.1:2181')).toEqual({ hosts: '127.0.0.1:2181', root: '' });
  });

  it.each([
    [{ connection: '' }, /not a list of host:port/],
    [{ connection: 'zk1:2181,,zk2:2181' }, /not a list of host:port/],
    [{ connection: 'zk1:2181/a//b' }, /must be an absolute path/],
    [{ partyWait: -1 }, /partyWait must be a positive number/],
    [{ sessionTimeout: 0 }, /sessionTimeout must be a positive number/],
    [{ identifier: ' ' }, /identifier must not be empty/],
  ])('rejects %j with a message that says what to fix', (options, message) => {
    let error: unknown;
    try {
      new ZkPartitioner(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ZookeeperConfigError);
    expect(isZookeeperError(error)).toBe(true);
    expect((error as ZookeeperConfigError).code).toBe('QDO_ZK_CONFIG');
    expect((error as Error).message).toMatch(message);
  });
});
