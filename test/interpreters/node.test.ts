import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hostNodedir, resolveNode } from '../../src/interpreters/node.js';

const root = mkdtempSync(join(tmpdir(), 'bale-nodedir-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A node install layout with a placeholder binary (hostNodedir never runs it). */
function fakeInstall(name: string, opts: { version?: string; gypi?: boolean } = {}): string {
  const prefix = join(root, name);
  mkdirSync(join(prefix, 'bin'), { recursive: true });
  mkdirSync(join(prefix, 'include/node'), { recursive: true });
  writeFileSync(join(prefix, 'bin/node'), '');
  writeFileSync(join(prefix, 'include/node/node_api.h'), '');
  if (opts.gypi !== false) writeFileSync(join(prefix, 'include/node/common.gypi'), '{}');
  const [major, minor, patch] = (opts.version ?? '22.11.0').split('.');
  writeFileSync(
    join(prefix, 'include/node/node_version.h'),
    `#define NODE_MAJOR_VERSION ${major}\n#define NODE_MINOR_VERSION ${minor}\n#define NODE_PATCH_VERSION ${patch}\n`,
  );
  return prefix;
}

test('hostNodedir: the prefix above bin/ when its headers match the version', () => {
  const prefix = fakeInstall('ok');
  assert.equal(hostNodedir(join(prefix, 'bin/node'), '22.11.0'), prefix);
});

test('hostNodedir: headers of another version are not used', () => {
  const prefix = fakeInstall('other', { version: '22.10.0' });
  assert.equal(hostNodedir(join(prefix, 'bin/node'), '22.11.0'), undefined);
});

test('hostNodedir: no common.gypi, no nodedir (node-gyp needs it)', () => {
  const prefix = fakeInstall('nogypi', { gypi: false });
  assert.equal(hostNodedir(join(prefix, 'bin/node'), '22.11.0'), undefined);
});

test('hostNodedir: follows a symlinked binary to its real prefix', () => {
  const prefix = fakeInstall('real');
  mkdirSync(join(root, 'links/bin'), { recursive: true });
  symlinkSync(join(prefix, 'bin/node'), join(root, 'links/bin/node'));
  assert.equal(hostNodedir(join(root, 'links/bin/node'), '22.11.0'), prefix);
  assert.equal(hostNodedir(join(root, 'missing/bin/node'), '22.11.0'), undefined);
});

test("resolveNode('current') is the running node, with its ABI and headers", async () => {
  const local = hostNodedir(process.execPath, process.versions.node);
  // With local headers nothing may touch the network: an unreachable registry proves it.
  const npmOptions = local ? { registry: 'http://127.0.0.1:9/', fetchRetries: 0 } : {};
  const cacheDir = join(tmpdir(), 'bale-test-cache');
  for (const request of ['current', process.versions.node.split('.')[0] as string, process.versions.node]) {
    const n = await resolveNode(request, { cacheDir, npmOptions });
    assert.equal(n.source, 'running');
    assert.equal(n.bin, process.execPath);
    assert.equal(n.version, process.versions.node);
    assert.equal(n.major, Number(process.versions.node.split('.')[0]));
    assert.equal(n.abi, process.versions.modules);
    assert.ok(existsSync(join(n.nodedir, 'include/node/node_api.h')));
    if (local) assert.equal(n.nodedir, local);
  }
});
