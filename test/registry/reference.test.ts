/** oci:// references, the scheme rule, WWW-Authenticate and Link parsing, the referrers tag. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/errors/index.js';
import {
  formatImageRef,
  nextLink,
  parseChallenges,
  parseImageRef,
  parseRegistryUrl,
  referenceOf,
  referrersTag,
  registryOrigin,
} from '../../src/registry/index.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

test('registry URLs name a host, an optional port and a namespace', () => {
  assert.deepEqual(parseRegistryUrl('oci://127.0.0.1:5000/bale'), {
    registry: { host: '127.0.0.1:5000', hostname: '127.0.0.1', port: 5000 },
    namespace: 'bale',
  });
  assert.deepEqual(parseRegistryUrl('oci://ghcr.io/acme/bale/'), {
    registry: { host: 'ghcr.io', hostname: 'ghcr.io', port: undefined },
    namespace: 'acme/bale',
  });
  assert.deepEqual(parseRegistryUrl('oci://[::1]:5000'), { registry: { host: '[::1]:5000', hostname: '::1', port: 5000 }, namespace: '' });
  for (const bad of ['http://127.0.0.1:5000/bale', 'oci://', 'oci://host:99999/x', 'oci://ho st/x', 'oci://h/Bale', 'oci://h/a//b']) {
    assert.throws(() => parseRegistryUrl(bad), UserError, bad);
  }
});

test('image references carry a tag, a digest, or both', () => {
  const tagged = parseImageRef('oci://127.0.0.1:5000/bale/app:1');
  assert.deepEqual(tagged, {
    registry: { host: '127.0.0.1:5000', hostname: '127.0.0.1', port: 5000 },
    repository: 'bale/app',
    tag: '1',
    digest: undefined,
  });
  assert.equal(referenceOf(tagged), '1');
  const pinned = parseImageRef(`oci://localhost:5000/bale/app@${DIGEST}`);
  assert.equal(pinned.digest, DIGEST);
  assert.equal(pinned.tag, undefined);
  const both = parseImageRef(`oci://registry.example:443/a/b/c:v1.2_x@${DIGEST}`);
  assert.equal(both.repository, 'a/b/c');
  assert.equal(referenceOf(both), DIGEST);
  assert.equal(formatImageRef(both), `oci://registry.example:443/a/b/c:v1.2_x@${DIGEST}`);
  assert.throws(
    () => parseImageRef('oci://127.0.0.1:5000/bale/app'),
    /names no tag or digest: write it as oci:\/\/127\.0\.0\.1:5000\/bale\/app:1/,
  );
  assert.throws(() => parseImageRef('oci://127.0.0.1:5000/bale/app@sha256:abc'), /is not a digest/);
  assert.throws(() => parseImageRef('oci://127.0.0.1:5000/bale/app:-x'), /is not a valid tag/);
  assert.throws(() => parseImageRef('oci://127.0.0.1:5000/:1'), /is not a valid repository name/);
});

test('loopback registries get http, others https, unless BALE_REGISTRY_INSECURE or the option says otherwise', () => {
  const at = (u: string) => parseRegistryUrl(u).registry;
  assert.equal(registryOrigin(at('oci://127.0.0.1:5000/x'), { env: {} }), 'http://127.0.0.1:5000');
  assert.equal(registryOrigin(at('oci://localhost:5000/x'), { env: {} }), 'http://localhost:5000');
  assert.equal(registryOrigin(at('oci://[::1]:5000/x'), { env: {} }), 'http://[::1]:5000');
  assert.equal(registryOrigin(at('oci://ghcr.io/x'), { env: {} }), 'https://ghcr.io');
  assert.equal(registryOrigin(at('oci://10.0.0.5:5000/x'), { env: { BALE_REGISTRY_INSECURE: '1' } }), 'http://10.0.0.5:5000');
  assert.equal(registryOrigin(at('oci://10.0.0.5:5000/x'), { env: { BALE_REGISTRY_INSECURE: '0' } }), 'https://10.0.0.5:5000');
  assert.equal(registryOrigin(at('oci://10.0.0.5:5000/x'), { insecure: true, env: {} }), 'http://10.0.0.5:5000');
});

test('WWW-Authenticate challenges are read with quoted params', () => {
  assert.deepEqual(
    parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'),
    [{ scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' } }],
  );
  assert.deepEqual(parseChallenges(['Basic realm="x \\"y\\""', 'Bearer realm=https://t']), [
    { scheme: 'basic', params: { realm: 'x "y"' } },
    { scheme: 'bearer', params: { realm: 'https://t' } },
  ]);
  assert.deepEqual(parseChallenges(undefined), []);
});

test('Link headers give the next page, resolved against the page', () => {
  assert.equal(nextLink('</v2/_catalog?last=b&n=2>; rel="next"', 'http://r:1/v2/_catalog?n=2'), 'http://r:1/v2/_catalog?last=b&n=2');
  assert.equal(nextLink('<https://other/x>; rel="prev", <https://r/y?n=1>; rel=next', 'https://r/'), 'https://r/y?n=1');
  assert.equal(nextLink(undefined, 'http://r/'), undefined);
});

test('the referrers fallback tag is <alg>-<hex>', () => {
  assert.equal(referrersTag(DIGEST), `sha256-${'ab'.repeat(32)}`);
  assert.equal(referrersTag(`sha512:${'c'.repeat(128)}`), `sha512-${'c'.repeat(64)}`);
});
