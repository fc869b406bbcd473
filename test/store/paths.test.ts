import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { describe, it } from 'node:test';
import { isUserError } from '../../src/errors/index.js';
import { buildRecordFile, checkBuildKey, checkNamePart, defaultStoreRoot, packageFiles, packageStem } from '../../src/store/paths.js';

const SHA = '0123456789abcdef'.repeat(4);

describe('defaultStoreRoot', () => {
  it('uses $XDG_DATA_HOME/bale/store', () => {
    assert.equal(defaultStoreRoot({ XDG_DATA_HOME: '/data', HOME: '/home/u' }), '/data/bale/store');
  });
  it('falls back to ~/.local/share/bale/store, also for a relative XDG_DATA_HOME', () => {
    assert.equal(defaultStoreRoot({ HOME: '/home/u' }), '/home/u/.local/share/bale/store');
    assert.equal(defaultStoreRoot({ XDG_DATA_HOME: 'rel', HOME: '/home/u' }), '/home/u/.local/share/bale/store');
  });
  it('asks the OS for the home directory when HOME is unset', () => {
    assert.equal(defaultStoreRoot({}), `${homedir()}/.local/share/bale/store`);
  });
});

describe('checkNamePart', () => {
  const good = ['py3.11-requests', 'node-express', '2.31.0', '1.0.0-beta.1+build.5', '1!2.0', 'node22-better-sqlite3', 'a'];
  for (const v of good) it(`accepts ${v}`, () => assert.doesNotThrow(() => checkNamePart('name', v)));
  const bad = ['', '.hidden', '..', 'a/b', 'a\\b', 'a..b', 'a b', 'a\nb', 'a\0b', 'x'.repeat(101)];
  for (const v of bad) {
    it(`refuses ${JSON.stringify(v)}`, () => {
      assert.throws(
        () => checkNamePart('version', v),
        (e: unknown) => isUserError(e) && e.message.includes(JSON.stringify(v)) && e.message.includes('version'),
      );
    });
  }
});

describe('build keys', () => {
  it('accepts 16 to 128 lowercase hex digits', () => {
    assert.doesNotThrow(() => checkBuildKey('a'.repeat(16)));
    assert.doesNotThrow(() => checkBuildKey('0'.repeat(128)));
    assert.equal(buildRecordFile('abcdef0123456789'), 'builds/abcdef0123456789.json');
  });
  for (const bad of ['a'.repeat(15), 'a'.repeat(129), 'A'.repeat(16), `../${'a'.repeat(16)}`, `${'a'.repeat(16)}/x`, 'g'.repeat(16)]) {
    it(`refuses ${JSON.stringify(bad.slice(0, 24))}`, () => assert.throws(() => checkBuildKey(bad), /build key/));
  }
});

describe('package file names', () => {
  it('are <name>-<version>-<12 hex> under packages/', () => {
    const stem = packageStem('py3.11-requests', '2.31.0', SHA);
    assert.equal(stem, 'py3.11-requests-2.31.0-0123456789ab');
    assert.deepEqual(packageFiles(stem), {
      tgz: 'packages/py3.11-requests-2.31.0-0123456789ab.tar.gz',
      manifest: 'packages/py3.11-requests-2.31.0-0123456789ab.manifest.json',
      checksum: 'packages/py3.11-requests-2.31.0-0123456789ab.sha256',
      description: 'packages/py3.11-requests-2.31.0-0123456789ab.build.json',
    });
  });
  it('refuse a hash that is not 64 hex digits', () => {
    assert.throws(() => packageStem('a', '1', SHA.slice(1)), /sha256/);
  });
});
