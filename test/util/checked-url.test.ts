import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUsageError } from '../../src/errors/index.js';
import { checkedUrl, named } from '../../src/util/checked-url.js';

describe('checked values: named where they came from', () => {
  it('names a flag with a space and a variable with =, quoting blank or spaced values', () => {
    assert.equal(named('--store', '/x'), '--store /x');
    assert.equal(named('BALE_STORE', '/x'), 'BALE_STORE=/x');
    assert.equal(named('--name', 'a b'), '--name "a b"');
    assert.equal(named('--recipes', ''), '--recipes ""');
  });

  it('URLs of the schemes asked for, with a host; anything else a usage error naming its source', () => {
    assert.equal(checkedUrl('--redis', 'redis://127.0.0.1:6379', ['redis', 'rediss'], 'e').hostname, '127.0.0.1');
    const says = (fn: () => unknown, message: string): void =>
      assert.throws(fn, (e: unknown) => isUsageError(e) && (e as Error).message === message);
    says(
      () => checkedUrl('BALE_REDIS_URL', 'http://x:6379', ['redis', 'rediss'], 'redis://127.0.0.1:6379'),
      'BALE_REDIS_URL=http://x:6379: must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379',
    );
    says(
      () => checkedUrl('--redis', ':::', ['redis', 'rediss'], 'redis://h:1'),
      '--redis :::: not a URL; must be a redis:// or rediss:// URL, e.g. redis://h:1',
    );
    says(
      () => checkedUrl('--redis', 'redis:///0', ['redis', 'rediss'], 'redis://h:1'),
      '--redis redis:///0: names no host; must be a redis:// or rediss:// URL, e.g. redis://h:1',
    );
    says(
      () => checkedUrl('--registry', 'ftp://x/', ['http', 'https'], 'https://e/'),
      '--registry ftp://x/: must be an http(s) URL, e.g. https://e/',
    );
  });
});
