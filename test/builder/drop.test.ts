import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dropMatching, globToRegExp } from '../../src/builder/drop.js';

describe('override drop patterns', () => {
  const cases: [string, string, boolean][] = [
    ['backports/__init__.py', 'backports/__init__.py', true],
    ['backports/__init__.py', 'backports/ssl/__init__.py', false],
    ['*/__init__.py', 'backports/__init__.py', true],
    ['*/__init__.py', 'a/b/__init__.py', false],
    ['**/__init__.py', 'a/b/__init__.py', true],
    ['**/__init__.py', '__init__.py', true],
    ['tests/**', 'tests/a/b.py', true],
    ['*.pth', 'x.pth', true],
    ['a.b', 'axb', false],
  ];
  for (const [pattern, path, want] of cases) {
    it(`${pattern} ${want ? 'matches' : 'does not match'} ${path}`, () => assert.equal(globToRegExp(pattern).test(path), want));
  }

  it('drops matches under the root, a dropped folder with its contents, and nothing outside the root', () => {
    const root = 'usr/lib/python3.11/site-packages';
    const entries = ['fxpns/__init__.py', 'fxpns/a.py', 'tests/t.py', 'tests/sub/u.py', 'x.dist-info/RECORD'].map((p) => ({
      path: `${root}/${p}`,
    }));
    entries.push({ path: 'usr/bin/tests' });
    const kept = dropMatching(entries, root, ['fxpns/__init__.py', 'tests']).map((e) => e.path);
    assert.deepEqual(kept, [`${root}/fxpns/a.py`, `${root}/x.dist-info/RECORD`, 'usr/bin/tests']);
  });
});
