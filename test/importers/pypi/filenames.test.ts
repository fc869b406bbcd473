import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUserError } from '../../../src/errors/index.js';
import { parseSdistFilename, parseWheelFilename, wheelTagTriples, type WheelName } from '../../../importers/pypi/filenames.js';

type Parsed = Omit<WheelName, 'filename'>;
const ML2014 = ['manylinux_2_17_x86_64', 'manylinux2014_x86_64'];

// Real file names from PyPI (the build-tag rows are shaped like pip's own test wheels).
const wheels: Array<[string, Parsed]> = [
  [
    'numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    { distribution: 'numpy', version: '1.26.4', pythonTags: ['cp311'], abiTags: ['cp311'], platformTags: ML2014 },
  ],
  [
    'numpy-2.1.3-cp313-cp313-musllinux_1_2_x86_64.whl',
    { distribution: 'numpy', version: '2.1.3', pythonTags: ['cp313'], abiTags: ['cp313'], platformTags: ['musllinux_1_2_x86_64'] },
  ],
  [
    'cryptography-42.0.5-cp39-abi3-manylinux_2_28_x86_64.whl',
    { distribution: 'cryptography', version: '42.0.5', pythonTags: ['cp39'], abiTags: ['abi3'], platformTags: ['manylinux_2_28_x86_64'] },
  ],
  [
    'cryptography-42.0.5-cp37-abi3-macosx_10_12_universal2.whl',
    { distribution: 'cryptography', version: '42.0.5', pythonTags: ['cp37'], abiTags: ['abi3'], platformTags: ['macosx_10_12_universal2'] },
  ],
  [
    'orjson-3.10.12-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    { distribution: 'orjson', version: '3.10.12', pythonTags: ['cp311'], abiTags: ['cp311'], platformTags: ML2014 },
  ],
  [
    'mypy-1.13.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.manylinux_2_28_x86_64.whl',
    {
      distribution: 'mypy',
      version: '1.13.0',
      pythonTags: ['cp311'],
      abiTags: ['cp311'],
      platformTags: [...ML2014, 'manylinux_2_28_x86_64'],
    },
  ],
  [
    'six-1.16.0-py2.py3-none-any.whl',
    { distribution: 'six', version: '1.16.0', pythonTags: ['py2', 'py3'], abiTags: ['none'], platformTags: ['any'] },
  ],
  [
    'pydantic_core-2.27.1-cp311-cp311-win_amd64.whl',
    { distribution: 'pydantic_core', version: '2.27.1', pythonTags: ['cp311'], abiTags: ['cp311'], platformTags: ['win_amd64'] },
  ],
  [
    'PyYAML-6.0.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    { distribution: 'PyYAML', version: '6.0.1', pythonTags: ['cp311'], abiTags: ['cp311'], platformTags: ML2014 },
  ],
  [
    'zope.interface-6.0-cp311-cp311-manylinux_2_5_x86_64.manylinux1_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    {
      distribution: 'zope.interface',
      version: '6.0',
      pythonTags: ['cp311'],
      abiTags: ['cp311'],
      platformTags: ['manylinux_2_5_x86_64', 'manylinux1_x86_64', ...ML2014],
    },
  ],
  [
    'torch-2.1.0+cpu-cp311-cp311-linux_x86_64.whl',
    { distribution: 'torch', version: '2.1.0+cpu', pythonTags: ['cp311'], abiTags: ['cp311'], platformTags: ['linux_x86_64'] },
  ],
  [
    'simple-0.1-1-py2.py3-none-any.whl',
    { distribution: 'simple', version: '0.1', build: '1', pythonTags: ['py2', 'py3'], abiTags: ['none'], platformTags: ['any'] },
  ],
  [
    'simple-0.1-12b_x-py3-none-any.whl',
    { distribution: 'simple', version: '0.1', build: '12b_x', pythonTags: ['py3'], abiTags: ['none'], platformTags: ['any'] },
  ],
  [
    'Foo-1.0_beta-PY3-NONE-ANY.whl',
    { distribution: 'Foo', version: '1.0_beta', pythonTags: ['py3'], abiTags: ['none'], platformTags: ['any'] },
  ],
];
for (const [filename, want] of wheels) {
  test(`parseWheelFilename ${filename}`, () => assert.deepEqual(parseWheelFilename(filename), { ...want, filename }));
}

test('a wheel without a build tag has no build key at all', () => {
  assert.equal('build' in parseWheelFilename('six-1.16.0-py2.py3-none-any.whl'), false);
});

test('wheelTagTriples expands every compressed set', () => {
  assert.deepEqual(wheelTagTriples(parseWheelFilename('six-1.16.0-py2.py3-none-any.whl')), ['py2-none-any', 'py3-none-any']);
  assert.deepEqual(wheelTagTriples(parseWheelFilename('x-1-cp38.cp39-abi3.none-a.b.whl')).length, 8);
});

// [file name, a word the one-line error must contain]
const badWheels: Array<[string, string]> = [
  ['numpy-1.26.4.tar.gz', '.whl'],
  ['numpy-1.26.4-cp311-cp311.whl', '4 dash-separated'],
  ['requests-toolbelt-1.0.0-1-py2.py3-none-any.whl', '7 dash-separated'],
  ['simple-0.1-x1-py3-none-any.whl', 'build tag "x1"'],
  ['simple-not.a.version!-py3-none-any.whl', 'PEP 440'],
  ['simple-0.1-py3..py2-none-any.whl', 'python tag'],
  ['simple-0.1-3py-none-any.whl', 'python tag "3py"'],
  ['simple-0.1-py3--any.whl', 'ABI tag ""'],
  ['simple-0.1-py3-none-an+y.whl', 'platform tag'],
  ['-0.1-py3-none-any.whl', 'distribution name'],
  ['_simple-0.1-py3-none-any.whl', 'distribution name'],
  ['dist/simple-0.1-py3-none-any.whl', 'path'],
  ['.whl', 'parts'],
];
for (const [filename, word] of badWheels) {
  test(`parseWheelFilename refuses ${filename}`, () => {
    assert.throws(
      () => parseWheelFilename(filename),
      (err: Error & { code?: string }) =>
        isUserError(err) &&
        err.code === 'EWHEELNAME' &&
        err.message.includes(JSON.stringify(filename)) &&
        err.message.includes(word) &&
        !err.message.includes('\n'),
    );
  });
}

const sdists: Array<[string, string, ReturnType<typeof parseSdistFilename>]> = [
  ['requests-2.31.0.tar.gz', 'requests', { distribution: 'requests', version: '2.31.0', format: 'tar.gz' }],
  ['python_dateutil-2.9.0.post0.tar.gz', 'python-dateutil', { distribution: 'python_dateutil', version: '2.9.0.post0', format: 'tar.gz' }],
  ['python-dateutil-2.8.2.tar.gz', 'python-dateutil', { distribution: 'python-dateutil', version: '2.8.2', format: 'tar.gz' }],
  ['python-dateutil-2.8.2.tar.gz', 'Python_DateUtil', { distribution: 'python-dateutil', version: '2.8.2', format: 'tar.gz' }],
  ['zope.interface-6.0.tar.gz', 'zope-interface', { distribution: 'zope.interface', version: '6.0', format: 'tar.gz' }],
  ['Django-5.0.tar.gz', 'django', { distribution: 'Django', version: '5.0', format: 'tar.gz' }],
  ['setuptools-40.8.0.zip', 'setuptools', { distribution: 'setuptools', version: '40.8.0', format: 'zip' }],
  ['foo-bar-1.0-1.tar.gz', 'foo-bar', { distribution: 'foo-bar', version: '1.0-1', format: 'tar.gz' }],
  // the known name decides the split: foo-1 at 2.0, never foo at "1-2.0"
  ['foo-1-2.0.tar.gz', 'foo-1', { distribution: 'foo-1', version: '2.0', format: 'tar.gz' }],
  ['foo-1-2.0.tar.gz', 'foo', undefined],
  ['requests-toolbelt-1.0.0.tar.gz', 'requests', undefined],
  ['requests-2.31.0.tar.bz2', 'requests', undefined],
  ['requests-2.31.0-py3.8.egg', 'requests', undefined],
  ['requests-2.31.0.tar.gz', 'httpx', undefined],
  ['requests-.tar.gz', 'requests', undefined],
  ['requests.tar.gz', 'requests', undefined],
  ['dist/requests-2.31.0.tar.gz', 'requests', undefined],
];
for (const [filename, project, want] of sdists) {
  test(`parseSdistFilename ${filename} of ${project}`, () => assert.deepEqual(parseSdistFilename(filename, project), want));
}
