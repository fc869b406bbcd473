import assert from 'node:assert/strict';
import { it } from 'node:test';
import { configSettings } from '../../../src/builder/pypi/sdist.js';

it('PEP 517 config settings from KEY=VALUE flags; a repeated key becomes a list; a bare key is empty', () => {
  assert.deepEqual(configSettings([]), {});
  assert.deepEqual(configSettings(['setup-args=-Dblas=openblas', 'setup-args=-Dlapack=openblas', '--build-option=--with-libyaml', 'x']), {
    'setup-args': ['-Dblas=openblas', '-Dlapack=openblas'],
    '--build-option': '--with-libyaml',
    x: '',
  });
  assert.deepEqual(configSettings(['a=1=2']), { a: '1=2' });
});
