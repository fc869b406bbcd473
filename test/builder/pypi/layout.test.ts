/** The PyPI layout and package names: pure path decisions. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  headersDir,
  interpreterPath,
  isValidName,
  normalizeName,
  pythonPackageName,
  schemeRoot,
  sitePackages,
} from '../../../src/builder/pypi/layout.js';

describe('pypi layout', () => {
  it('site-packages, interpreter and headers per X.Y', () => {
    assert.equal(sitePackages('3.11'), 'usr/lib/python3.11/site-packages');
    assert.equal(sitePackages('3.8'), 'usr/lib/python3.8/site-packages');
    assert.equal(interpreterPath('3.13'), '/usr/bin/python3.13');
    assert.equal(headersDir('3.12', 'Demo'), 'usr/include/python3.12/Demo');
  });

  it('every .data scheme has its root', () => {
    assert.equal(schemeRoot('purelib', '3.11', 'd'), 'usr/lib/python3.11/site-packages');
    assert.equal(schemeRoot('platlib', '3.11', 'd'), 'usr/lib/python3.11/site-packages');
    assert.equal(schemeRoot('headers', '3.11', 'd'), 'usr/include/python3.11/d');
    assert.equal(schemeRoot('scripts', '3.11', 'd'), 'usr/bin');
    assert.equal(schemeRoot('data', '3.11', 'd'), 'usr');
  });

  it('refuses versions that are not MAJOR.MINOR', () => {
    for (const v of ['3', '3.11.7', 'py3.11', '', '3.11/..', '3.x']) {
      assert.throws(
        () => sitePackages(v),
        (err: Error & { code?: string }) => err.code === 'EUSAGE' && err.message.includes(`"${v}"`),
        v,
      );
    }
  });

  it('package names: py3.11-<normalised name>, -bin for the scripts', () => {
    assert.equal(pythonPackageName('requests', '3.11'), 'py3.11-requests');
    assert.equal(pythonPackageName('Zope.Interface', '3.11'), 'py3.11-zope-interface');
    assert.equal(pythonPackageName('typing__extensions', '3.9', true), 'py3.9-typing-extensions-bin');
    assert.throws(() => pythonPackageName('x', '3'));
  });

  it('PEP 503 normalisation and valid names', () => {
    assert.equal(normalizeName('Foo.-_Bar__baz'), 'foo-bar-baz');
    for (const ok of ['a', 'requests', 'Zope.Interface', 'x-1_2.3']) assert.ok(isValidName(ok), ok);
    for (const bad of ['', '-a', 'a-', '../x', 'a/b', 'a b', '.x']) assert.ok(!isValidName(bad), bad);
  });
});
