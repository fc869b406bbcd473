/** The pure parts of --check: which registry tags may hold a package, and the lines and JSON it prints. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packageTag } from '../../src/oci/index.js';
import { candidateTags, checkJson, checkSummary, type Built, type Checked } from '../../src/rebuild/check.js';

const sha = (c: string): string => c.repeat(64);

test('candidateTags: the package tag with any sha12, nothing that only starts like it', () => {
  const p = { name: 'node-x', version: '1.0.0', sha256: sha('a') };
  const tags = [
    packageTag(p),
    packageTag({ ...p, sha256: sha('b') }),
    packageTag({ ...p, version: '1.0.0-rc1' }),
    'node-x-1.0.0-latest',
    'node-x-1.0.0-ABCDEF123456',
    `sha256-${sha('c')}`,
  ];
  assert.deepEqual(candidateTags(tags, p), [packageTag(p), packageTag({ ...p, sha256: sha('b') })]);
});

test('candidateTags: a name long enough to be cut in its tag still finds its builds', () => {
  const p = { name: `node-${'n'.repeat(140)}`, version: '2.0.0', sha256: sha('d') };
  const other = packageTag({ ...p, sha256: sha('e') });
  assert.equal(other.length, 128);
  assert.deepEqual(candidateTags([other], p), [other]);
});

test('checkSummary and checkJson', () => {
  const b = (name: string): Built => ({
    name,
    version: '1',
    sha256: sha('1'),
    buildKey: sha('9'),
    manifest: undefined as never,
  });
  const checked: Checked[] = [
    { kind: 'reproduced', built: b('a') },
    { kind: 'mismatch', built: b('b'), theirs: [sha('2')], differences: ['x: differs'] },
    { kind: 'absent', built: b('c') },
    { kind: 'absent', built: b('d') },
  ];
  assert.equal(checkSummary(checked), '1 reproduced, 1 MISMATCH, 2 absent');
  assert.deepEqual(checkJson(checked)[1], {
    name: 'b',
    version: '1',
    sha256: sha('1'),
    build_key: sha('9'),
    result: 'mismatch',
    registry_sha256: [sha('2')],
    differences: ['x: differs'],
  });
  assert.deepEqual(Object.keys(checkJson(checked)[2]!), ['name', 'version', 'sha256', 'build_key', 'result']);
});
