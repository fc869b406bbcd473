import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectHostToolchain } from '../../src/sandbox/toolchain.js';
import { tempDir } from './helpers.js';

test('binds what exists, recreates links into bound dirs, skips missing and dangling paths', () => {
  const root = tempDir();
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  mkdirSync(join(root, 'opt/lib'), { recursive: true });
  symlinkSync('usr/bin', join(root, 'bin')); // merged /usr: recreated as a link
  symlinkSync('opt/lib', join(root, 'lib64')); // points outside what is bound: bind it
  symlinkSync('nowhere', join(root, 'dangling'));
  writeFileSync(join(root, 'ld.so.cache'), '');
  const p = (s: string): string => join(root, s);
  const got = detectHostToolchain([p('usr'), p('bin'), p('lib64'), p('missing'), p('dangling'), p('ld.so.cache')]);
  assert.deepEqual(got.roBinds, [p('usr'), p('lib64'), p('ld.so.cache')]);
  assert.deepEqual(got.symlinks, [{ path: p('bin'), target: 'usr/bin' }]);
});

test('this host: /usr is bound and every entry exists', () => {
  const got = detectHostToolchain();
  assert.equal(got.roBinds[0], '/usr');
  assert.ok(!got.roBinds.includes('/nonexistent'));
  for (const l of got.symlinks ?? []) assert.ok(!got.roBinds.includes(l.path));
});
