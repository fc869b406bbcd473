/** The coverage harness's pure parts: import names from RECORD, closure diffs, categories. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATEGORIES, baleErrorClass, categorize, diffClosures, pipErrorClass } from './classify.js';
import { namesFromRecord } from './imports.js';

test('top-level names from RECORD: packages, modules, extensions; never dist-info, data or scripts', () => {
  const record = [
    'attr/__init__.py,sha256=x,1',
    'attr/_make.py,sha256=x,1',
    'six.py,sha256=x,1',
    '_cffi_backend.cpython-311-x86_64-linux-gnu.so,sha256=x,1',
    'attrs-23.1.0.dist-info/RECORD,,',
    'foo-1.0.data/scripts/run,sha256=x,1',
    '../../../bin/tool,sha256=x,1',
    '__pycache__/six.cpython-311.pyc,,',
    'not-a-module/x.py,sha256=x,1',
    'cmeel.prefix/lib/python3.11/site-packages/eigenpy/__init__.py,sha256=x,1',
    'cmeel.prefix/lib/libeigenpy.so,sha256=x,1',
  ].join('\n');
  assert.deepEqual(namesFromRecord(record), ['_cffi_backend', 'attr', 'eigenpy', 'six']);
});

test('closure diff: names only one side has, versions that differ, equal PEP 440 spellings are equal', () => {
  const d = diffClosures({ a: '1.0', b: '2.0', c: '1.0.0' }, { b: '2.1', c: '1.0', d: '4' });
  assert.deepEqual(d, { onlyBale: ['a==1.0'], onlyPip: ['d==4'], versions: ['b: bale 2.0, pip 2.1'] });
});

test("a dependency the index does not carry is the index's problem, whatever pip calls it", () => {
  const index = new Set(['accelerate', 'numpy']);
  const conflict = {
    ok: false,
    seconds: 1,
    errorLine: 'ERROR: Cannot install accelerate==1.15.0 because these package versions have conflicting dependencies.',
  };
  assert.equal(
    pipErrorClass({ ...conflict, causes: ['accelerate 1.15.0 depends on torch>=2.0.0'] }, 'accelerate', index),
    'index lacks a dependency',
  );
  assert.equal(
    pipErrorClass(conflict, 'accelerate', index, 'bale: error: no Python project "torch" on the Simple API at ...'),
    'index lacks a dependency',
  );
  assert.equal(
    pipErrorClass({ ...conflict, causes: ['accelerate 1.15.0 depends on numpy<1'] }, 'accelerate', index),
    'conflicting requirements',
  );
  const own = { ok: false, seconds: 1, errorLine: 'ERROR: No matching distribution found for accelerate' };
  assert.equal(pipErrorClass(own, 'accelerate', index), 'index has no file of the project for this Python');
});

test('bale error lines sort into the known classes', () => {
  assert.equal(
    baleErrorClass('bale: error: pkg:pypi/numpy@2.4.6 needs native libraries missing on this build host: libopenblas-dev', 1),
    'build packages demanded for a wheel (issue 11 item 1)',
  );
  assert.equal(baleErrorClass('bale: error: something new', 70), 'internal error');
  assert.equal(baleErrorClass('bale: error: something new', 1), 'other');
});

test('categories: a module failing under pip too does not fail the project; one failing only from bale does', () => {
  const pip = { ok: true, seconds: 1, version: '1', closure: { p: '1' } };
  const bale = { ok: true, spec: 'pypi:p@1', exitCode: 0, closure: { p: '1' }, seconds: 1 };
  const base = { project: 'p', pip, bale, diff: diffClosures(bale.closure, pip.closure) };
  const index = new Set(['p']);
  const imports = (b: Record<string, string | null>, p?: Record<string, string | null>) => ({
    namesFrom: 'top_level.txt' as const,
    bale: b,
    ...(p === undefined ? {} : { pip: p }),
  });
  assert.equal(categorize({ ...base, imports: imports({ p: null }) }, index).category, CATEGORIES.ok);
  assert.equal(
    categorize({ ...base, imports: imports({ p: null, plugin: 'ImportError' }, { plugin: 'ImportError' }) }, index).category,
    CATEGORIES.ok,
  );
  assert.equal(categorize({ ...base, imports: imports({ p: 'OSError' }, { p: 'OSError' }) }, index).category, CATEGORIES.importAlsoPip);
  assert.equal(categorize({ ...base, imports: imports({ p: 'ImportError' }, { p: null }) }, index).category, CATEGORIES.importBaleOnly);
  assert.equal(
    categorize({ ...base, diff: { onlyBale: ['x==1'], onlyPip: [], versions: [] }, imports: imports({ p: null }) }, index).category,
    CATEGORIES.okDiffers,
  );
});
