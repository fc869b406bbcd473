import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isUserError } from '../../../src/errors/index.js';
import { markerEnv } from '../../../importers/pypi/environment.js';
import { dependenciesFor, parseCoreMetadata, type CoreMetadata } from '../../../importers/pypi/metadata.js';
import { formatRequirement } from '../../../importers/pypi/requirement.js';

// dist/test/importers/pypi/ -> the checkout's fixtures/pypi/metadata/
const FIXTURES = new URL('../../../../fixtures/pypi/metadata/', import.meta.url);
const fixture = (file: string): CoreMetadata => parseCoreMetadata(readFileSync(new URL(file, FIXTURES), 'utf8'), file);
const py = (fullVersion: string) => markerEnv({ version: fullVersion.split('.').slice(0, 2).join('.'), fullVersion });

describe('parseCoreMetadata: real files', () => {
  it('requests 2.32.3 (setuptools, 2.1): the body after the blank line is not read as headers', () => {
    const m = fixture('requests-2.32.3.METADATA');
    assert.equal(m.metadataVersion, '2.1');
    assert.equal(m.name, 'requests');
    assert.equal(m.version, '2.32.3');
    assert.equal(m.requiresPython, '>=3.8');
    assert.deepEqual(m.providesExtra, ['security', 'socks', 'use-chardet-on-py3']);
    assert.deepEqual(m.dynamic, []);
    assert.deepEqual(m.requiresDist.map(formatRequirement), [
      'charset-normalizer<4,>=2',
      'idna<4,>=2.5',
      'urllib3<3,>=1.21.1',
      'certifi>=2017.4.17',
      'PySocks!=1.5.7,>=1.5.6; extra == "socks"',
      'chardet<6,>=3.0.2; extra == "use_chardet_on_py3"',
    ]);
  });

  it('httpx 0.28.1 (hatchling, 2.3)', () => {
    const m = fixture('httpx-0.28.1.METADATA');
    assert.equal(m.metadataVersion, '2.3');
    assert.deepEqual(m.providesExtra, ['brotli', 'cli', 'http2', 'socks', 'zstd']);
    assert.equal(m.requiresDist.length, 12);
    assert.equal(formatRequirement(m.requiresDist[2]!), 'httpcore==1.*');
  });

  it('cryptography 44.0.0 (maturin): fields in any order, Requires-Python with spaces', () => {
    const m = fixture('cryptography-44.0.0.METADATA');
    assert.equal(m.requiresPython, '>=3.7, !=3.9.0, !=3.9.1');
    assert.deepEqual(m.providesExtra, ['nox', 'sdist', 'ssh', 'test']);
    assert.deepEqual(m.requiresDist[3]!.extras, ['uv']);
  });

  it('an old setuptools PKG-INFO (1.2): CRLF, folded lines, PEP 345 parentheses', () => {
    const m = fixture('old-setuptools-1.2.PKG-INFO');
    assert.equal(m.metadataVersion, '1.2');
    assert.equal(m.name, 'zope.sample');
    assert.equal(m.version, '1.0b2');
    assert.equal(m.requiresPython, '>=2.7, !=3.0.*, !=3.1.*');
    assert.deepEqual(m.requiresDist.map(formatRequirement), ['pywin32>=1.0; sys_platform == "win32"', 'zope.interface>=3.6.0']);
    assert.deepEqual(m.providesExtra, []);
  });

  it('an sdist PKG-INFO (2.2) with Dynamic fields (PEP 643)', () => {
    const m = fixture('sdist-dynamic-2.2.PKG-INFO');
    assert.deepEqual(m.dynamic, ['Requires-Dist', 'Provides-Extra']);
    assert.deepEqual(m.requiresDist, []);
    assert.equal(m.requiresPython, '>=3.8');
  });
});

describe('parseCoreMetadata: the email header format', () => {
  const head = 'Metadata-Version: 2.1\nName: fx\nVersion: 1.0\n';
  const cases: { name: string; text: string; check: (m: CoreMetadata) => void }[] = [
    {
      name: 'field names are case-insensitive',
      text: 'metadata-version: 2.1\nNAME: fx\nversion: 1.0\nrequires-dist: a\nREQUIRES-PYTHON: >=3.9\nprovides-EXTRA: X\n',
      check: (m) => {
        assert.equal(m.name, 'fx');
        assert.equal(m.requiresDist[0]!.name, 'a');
        assert.equal(m.requiresPython, '>=3.9');
        assert.deepEqual(m.providesExtra, ['x']);
      },
    },
    { name: 'a UTF-8 BOM is ignored', text: `\uFEFF${head}`, check: (m) => assert.equal(m.metadataVersion, '2.1') },
    { name: 'old Mac line ends', text: head.replace(/\n/g, '\r'), check: (m) => assert.equal(m.version, '1.0') },
    {
      name: 'values are trimmed',
      text: 'Metadata-Version:   2.1  \nName:\tfx \nVersion: 1.0\t\n',
      check: (m) => assert.deepEqual([m.name, m.version], ['fx', '1.0']),
    },
    { name: 'no space after the colon', text: 'Metadata-Version:2.1\nName:fx\nVersion:1.0\n', check: (m) => assert.equal(m.name, 'fx') },
    {
      name: 'a tab continuation line unfolds into the value',
      text: `${head}Requires-Dist: foo>=1;\n\tpython_version < "3.11"\n`,
      check: (m) => assert.equal(formatRequirement(m.requiresDist[0]!), 'foo>=1; python_version < "3.11"'),
    },
    {
      name: 'a line that is not a header starts the body, as in email.parser',
      text: `${head}this line has no colon\nRequires-Dist: ignored\n`,
      check: (m) => assert.deepEqual(m.requiresDist, []),
    },
    {
      name: 'headers stop at the first blank line',
      text: `${head}\nRequires-Dist: ignored\n`,
      check: (m) => assert.deepEqual(m.requiresDist, []),
    },
    {
      name: 'Provides-Extra is normalised, sorted and deduplicated',
      text: `${head}Provides-Extra: Use_Chardet\nProvides-Extra: socks\nProvides-Extra: use-chardet\nProvides-Extra: \n`,
      check: (m) => assert.deepEqual(m.providesExtra, ['socks', 'use-chardet']),
    },
    {
      name: 'an empty Requires-Python is absent',
      text: `${head}Requires-Python: \n`,
      check: (m) => assert.equal('requiresPython' in m, false),
    },
    { name: 'no Requires-Python is absent', text: head, check: (m) => assert.equal(m.requiresPython, undefined) },
    {
      name: 'values may hold colons',
      text: `${head}Project-URL: Source, https://example.org/x\nRequires-Dist: pip @ https://example.org/pip.zip\n`,
      check: (m) => assert.equal(m.requiresDist[0]!.url, 'https://example.org/pip.zip'),
    },
    {
      name: 'a Metadata-Version newer in minor only is read',
      text: head.replace('2.1', '2.5'),
      check: (m) => assert.equal(m.metadataVersion, '2.5'),
    },
    {
      name: 'Metadata-Version 1.0 has no Requires-Dist',
      text: head.replace('2.1', '1.0'),
      check: (m) => assert.deepEqual(m.requiresDist, []),
    },
  ];
  for (const c of cases) it(c.name, () => c.check(parseCoreMetadata(c.text, 'fx.METADATA')));
});

describe('parseCoreMetadata: broken metadata names the source and the field', () => {
  const cases: [string, string, string][] = [
    ['no Name', 'Metadata-Version: 2.1\nVersion: 1.0\n', 'no Name field'],
    ['no Version', 'Metadata-Version: 2.1\nName: fx\n', 'no Version field'],
    ['no Metadata-Version', 'Name: fx\nVersion: 1.0\n', 'no Metadata-Version field'],
    ['an empty file', '', 'no Metadata-Version field'],
    ['Name only in the body', 'Metadata-Version: 2.1\nVersion: 1.0\n\nName: fx\n', 'no Name field'],
    ['an empty Name', 'Metadata-Version: 2.1\nName: \nVersion: 1.0\n', 'the Name field is empty'],
    ['two Names', 'Metadata-Version: 2.1\nName: fx\nName: fy\nVersion: 1.0\n', 'Name given 2 times'],
    ['two Versions', 'Metadata-Version: 2.1\nName: fx\nVersion: 1.0\nVersion: 1.1\n', 'Version given 2 times'],
    ['an invalid name', 'Metadata-Version: 2.1\nName: fx bar\nVersion: 1.0\n', "Name 'fx bar' is not a valid distribution name"],
    ['a name ending in -', 'Metadata-Version: 2.1\nName: fx-\nVersion: 1.0\n', "Name 'fx-'"],
    ['an invalid version', 'Metadata-Version: 2.1\nName: fx\nVersion: one\n', "Version 'one' is not a PEP 440 version"],
    ['a legacy version', 'Metadata-Version: 2.1\nName: fx\nVersion: 0.1dev-r1234\n', "Version '0.1dev-r1234'"],
    [
      'a newer major metadata version',
      'Metadata-Version: 3.0\nName: fx\nVersion: 1.0\n',
      'Metadata-Version 3.0 is newer than bale reads (2.x)',
    ],
    ['a garbled metadata version', 'Metadata-Version: two\nName: fx\nVersion: 1.0\n', "Metadata-Version 'two' is not X.Y"],
    [
      'a bad Requires-Dist',
      'Metadata-Version: 2.1\nName: fx\nVersion: 1.0\nRequires-Dist: idna <4,\n',
      "Requires-Dist: requirement 'idna <4,' is invalid",
    ],
    [
      'a bad marker in Requires-Dist',
      'Metadata-Version: 2.1\nName: fx\nVersion: 1.0\nRequires-Dist: a; python_versio < "3"\n',
      "unknown marker variable 'python_versio'",
    ],
    ['Dynamic: Version', 'Metadata-Version: 2.2\nName: fx\nVersion: 1.0\nDynamic: Version\n', 'Dynamic lists Version'],
    ['Dynamic: name', 'Metadata-Version: 2.2\nName: fx\nVersion: 1.0\nDynamic: name\n', 'Dynamic lists name'],
  ];
  for (const [name, text, why] of cases) {
    it(name, () => {
      assert.throws(
        () => parseCoreMetadata(text, 'fx-1.0.dist-info/METADATA'),
        (err: unknown) => {
          assert.ok(isUserError(err), String(err));
          assert.equal((err as { code: string }).code, 'EMETADATA');
          const msg = (err as Error).message;
          assert.ok(msg.includes('fx-1.0.dist-info/METADATA'), msg);
          assert.ok(msg.includes(why), `${JSON.stringify(why)} not in: ${msg}`);
          assert.ok(!msg.includes('\n'), msg);
          return true;
        },
      );
    });
  }
});

describe('dependenciesFor', () => {
  const cases: { file: string; python: string; extras: string[]; want: string[] }[] = [
    { file: 'requests-2.32.3.METADATA', python: '3.11.7', extras: [], want: ['charset-normalizer', 'idna', 'urllib3', 'certifi'] },
    {
      file: 'requests-2.32.3.METADATA',
      python: '3.11.7',
      extras: ['socks'],
      want: ['charset-normalizer', 'idna', 'urllib3', 'certifi', 'PySocks'],
    },
    {
      file: 'requests-2.32.3.METADATA',
      python: '3.11.7',
      extras: ['Use.Chardet-On-Py3'],
      want: ['charset-normalizer', 'idna', 'urllib3', 'certifi', 'chardet'],
    },
    {
      file: 'requests-2.32.3.METADATA',
      python: '3.11.7',
      extras: ['security'],
      want: ['charset-normalizer', 'idna', 'urllib3', 'certifi'],
    },
    {
      file: 'requests-2.32.3.METADATA',
      python: '3.11.7',
      extras: ['no-such-extra'],
      want: ['charset-normalizer', 'idna', 'urllib3', 'certifi'],
    },
    { file: 'httpx-0.28.1.METADATA', python: '3.12.1', extras: ['brotli'], want: ['anyio', 'certifi', 'httpcore', 'idna', 'brotli'] },
    {
      file: 'httpx-0.28.1.METADATA',
      python: '3.12.1',
      extras: ['http2', 'cli'],
      want: ['anyio', 'certifi', 'httpcore', 'idna', 'click', 'pygments', 'rich', 'h2'],
    },
    { file: 'pytest-8.3.4.METADATA', python: '3.8.18', extras: [], want: ['iniconfig', 'packaging', 'pluggy', 'exceptiongroup', 'tomli'] },
    { file: 'pytest-8.3.4.METADATA', python: '3.10.13', extras: [], want: ['iniconfig', 'packaging', 'pluggy', 'exceptiongroup', 'tomli'] },
    { file: 'pytest-8.3.4.METADATA', python: '3.11.7', extras: [], want: ['iniconfig', 'packaging', 'pluggy'] },
    { file: 'cryptography-44.0.0.METADATA', python: '3.11.7', extras: [], want: ['cffi'] },
    { file: 'cryptography-44.0.0.METADATA', python: '3.11.7', extras: ['nox'], want: ['cffi', 'nox', 'nox'] },
    { file: 'old-setuptools-1.2.PKG-INFO', python: '3.9.18', extras: [], want: ['zope.interface'] },
  ];
  for (const c of cases) {
    it(`${c.file} on ${c.python}${c.extras.length ? ` [${c.extras.join(',')}]` : ''}`, () => {
      const deps = dependenciesFor(fixture(c.file), py(c.python), new Set(c.extras));
      assert.deepEqual(
        deps.map((r) => r.name),
        c.want,
      );
    });
  }
  it('hands requirements back unchanged, with their own extras and specifiers', () => {
    const meta = fixture('cryptography-44.0.0.METADATA');
    const deps = dependenciesFor(meta, py('3.11.7'), new Set(['nox']));
    assert.deepEqual(deps.map(formatRequirement), [
      'cffi>=1.12; platform_python_implementation != "PyPy"',
      'nox>=2024.4.15; extra == "nox"',
      'nox[uv]>=2024.3.2; python_version >= "3.8" and extra == "nox"',
    ]);
    assert.equal(deps[2], meta.requiresDist[3]);
  });
});
