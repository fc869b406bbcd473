import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { slimPackument, type Packument } from '../../../importers/npm/packument.js';

describe('slimPackument', () => {
  test("keeps every field the resolver reads and drops the rest of a registry's answer", () => {
    const doc = {
      name: 'x',
      'dist-tags': { latest: '1.0.0' },
      time: { '1.0.0': '2020-01-01T00:00:00.000Z' },
      readme: 'a long readme',
      versions: {
        '1.0.0': {
          name: 'x',
          version: '1.0.0',
          dependencies: { a: '^1' },
          optionalDependencies: { b: '^2' },
          peerDependencies: { c: '*' },
          peerDependenciesMeta: { c: { optional: true } },
          bundleDependencies: ['a'],
          engines: { node: '>=18' },
          os: ['linux'],
          cpu: ['x64'],
          libc: ['glibc'],
          deprecated: 'use y',
          hasInstallScript: true,
          scripts: { install: 'node-gyp rebuild' },
          gypfile: true,
          dist: { tarball: 'https://r/x-1.0.0.tgz', integrity: 'sha512-AA==', shasum: 'ab', signatures: [{ sig: 'S' }], fileCount: 3 },
          _npmUser: { name: 'someone' },
          description: 'x',
        },
        '2.0.0': 'not an object',
      },
    } as unknown as Packument;
    const slim = slimPackument(doc);
    const v = slim.versions['1.0.0'] as unknown as Record<string, unknown>;
    assert.deepEqual(Object.keys(v).sort(), [
      'bundleDependencies',
      'cpu',
      'dependencies',
      'deprecated',
      'dist',
      'engines',
      'gypfile',
      'hasInstallScript',
      'libc',
      'name',
      'optionalDependencies',
      'os',
      'peerDependencies',
      'peerDependenciesMeta',
      'scripts',
      'version',
    ]);
    assert.deepEqual(v['dist'], { tarball: 'https://r/x-1.0.0.tgz', integrity: 'sha512-AA==', shasum: 'ab' });
    assert.equal(slim.versions['2.0.0'] as unknown, 'not an object', 'left for the checks to name');
    assert.deepEqual(slim['dist-tags'], { latest: '1.0.0' });
    assert.deepEqual(slim.time, doc.time);
    assert.equal('readme' in slim, false);
  });
});
