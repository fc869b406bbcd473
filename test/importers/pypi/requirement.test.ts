import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUserError } from '../../../src/errors/index.js';
import { formatMarker } from '../../../importers/pypi/markers.js';
import { formatRequirement, parseRequirement } from '../../../importers/pypi/requirement.js';
import { normalizePypiName } from '../../../src/purl/purl.js';

/** What a test expects: the marker as canonical text, absent fields as absent. */
interface Want {
  name: string;
  normalized?: string;
  extras?: string[];
  specifier?: string;
  url?: string;
  marker?: string;
}

function shape(text: string): Want {
  const r = parseRequirement(text);
  return {
    name: r.name,
    normalized: r.normalized,
    extras: r.extras,
    specifier: r.specifier,
    ...(r.url !== undefined ? { url: r.url } : {}),
    ...(r.marker !== undefined ? { marker: formatMarker(r.marker) } : {}),
  };
}

describe('parseRequirement', () => {
  const cases: [string, Want][] = [
    // requests 2.32 (setuptools writes a space before the specifier)
    ['charset-normalizer <4,>=2', { name: 'charset-normalizer', specifier: '<4,>=2' }],
    ['certifi >=2017.4.17', { name: 'certifi', specifier: '>=2017.4.17' }],
    [
      "PySocks !=1.5.7,>=1.5.6 ; extra == 'socks'",
      { name: 'PySocks', normalized: 'pysocks', specifier: '!=1.5.7,>=1.5.6', marker: 'extra == "socks"' },
    ],
    [
      "chardet <6,>=3.0.2 ; extra == 'use_chardet_on_py3'",
      { name: 'chardet', specifier: '<6,>=3.0.2', marker: 'extra == "use_chardet_on_py3"' },
    ],
    // httpx 0.28 (hatchling)
    ['httpcore==1.*', { name: 'httpcore', specifier: '==1.*' }],
    ['anyio', { name: 'anyio' }],
    [
      "brotli; (platform_python_implementation == 'CPython') and extra == 'brotli'",
      { name: 'brotli', marker: 'platform_python_implementation == "CPython" and extra == "brotli"' },
    ],
    ["rich<14,>=10; extra == 'cli'", { name: 'rich', specifier: '<14,>=10', marker: 'extra == "cli"' }],
    // urllib3 2
    ["pysocks!=1.5.7,<2.0,>=1.5.6; extra == 'socks'", { name: 'pysocks', specifier: '!=1.5.7,<2.0,>=1.5.6', marker: 'extra == "socks"' }],
    // cryptography 44
    [
      "cffi>=1.12; platform_python_implementation != 'PyPy'",
      { name: 'cffi', specifier: '>=1.12', marker: 'platform_python_implementation != "PyPy"' },
    ],
    ["cryptography-vectors==44.0.0; extra == 'test'", { name: 'cryptography-vectors', specifier: '==44.0.0', marker: 'extra == "test"' }],
    // pytest 8
    [
      'exceptiongroup>=1.0.0rc8; python_version < "3.11"',
      { name: 'exceptiongroup', specifier: '>=1.0.0rc8', marker: 'python_version < "3.11"' },
    ],
    ['colorama; sys_platform == "win32"', { name: 'colorama', marker: 'sys_platform == "win32"' }],
    ['pluggy<2,>=1.5', { name: 'pluggy', specifier: '<2,>=1.5' }],
    // PEP 345 parentheses
    ["pywin32 (>=1.0) ; sys_platform == 'win32'", { name: 'pywin32', specifier: '>=1.0', marker: 'sys_platform == "win32"' }],
    ['zope.interface (>=3.6.0)', { name: 'zope.interface', normalized: 'zope-interface', specifier: '>=3.6.0' }],
    ['Twisted[tls] ( >= 16.0 , < 25 )', { name: 'Twisted', normalized: 'twisted', extras: ['tls'], specifier: '>=16.0,<25' }],
    ['foo(>=1)', { name: 'foo', specifier: '>=1' }],
    ['foo ()', { name: 'foo' }],
    // extras: normalised, sorted, once each
    ['requests[socks,security]>=2.31', { name: 'requests', extras: ['security', 'socks'], specifier: '>=2.31' }],
    ['requests [ Socks , use_chardet_on_py3 ]', { name: 'requests', extras: ['socks', 'use-chardet-on-py3'] }],
    ['celery[redis,Redis,msgpack]', { name: 'celery', extras: ['msgpack', 'redis'] }],
    ['foo[]', { name: 'foo' }],
    [
      'uvicorn[standard]>=0.18.3; python_version >= "3.8"',
      { name: 'uvicorn', extras: ['standard'], specifier: '>=0.18.3', marker: 'python_version >= "3.8"' },
    ],
    // PEP 508's own example: whitespace anywhere, specifiers kept in order without spaces
    [
      'requests [security,tests] >= 2.8.1, == 2.8.* ; python_version < "2.7"',
      { name: 'requests', extras: ['security', 'tests'], specifier: '>=2.8.1,==2.8.*', marker: 'python_version < "2.7"' },
    ],
    ['  \tfoo\t>=\t1.0\t,\t<2\t;\tos_name == "posix"  ', { name: 'foo', specifier: '>=1.0,<2', marker: 'os_name == "posix"' }],
    ['argparse;python_version<"2.7"', { name: 'argparse', marker: 'python_version < "2.7"' }],
    ['foo===1.0-legacy', { name: 'foo', specifier: '===1.0-legacy' }],
    ['foo~=1.4.5', { name: 'foo', specifier: '~=1.4.5' }],
    ['foo==1.0+local', { name: 'foo', specifier: '==1.0+local' }],
    ['foo >=1.0rc1', { name: 'foo', specifier: '>=1.0rc1' }],
    // names: PEP 503 normalised
    ['typing_extensions>=4.5', { name: 'typing_extensions', normalized: 'typing-extensions', specifier: '>=4.5' }],
    ['Flask_SQLAlchemy', { name: 'Flask_SQLAlchemy', normalized: 'flask-sqlalchemy' }],
    ['ruamel.yaml.clib>=0.2.7', { name: 'ruamel.yaml.clib', normalized: 'ruamel-yaml-clib', specifier: '>=0.2.7' }],
    ['A', { name: 'A', normalized: 'a' }],
    ['1foo', { name: '1foo', normalized: '1foo' }],
    // direct references
    [
      'pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee9982d4bbb3c72346a6de940a148ea686',
      { name: 'pip', url: 'https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee9982d4bbb3c72346a6de940a148ea686' },
    ],
    ['foo@file:///tmp/foo-1.0-py3-none-any.whl', { name: 'foo', url: 'file:///tmp/foo-1.0-py3-none-any.whl' }],
    [
      'bar[x] @ git+https://github.com/org/bar.git@v1.0 ; python_version >= "3.8"',
      { name: 'bar', extras: ['x'], url: 'git+https://github.com/org/bar.git@v1.0', marker: 'python_version >= "3.8"' },
    ],
    // PEP 508: only whitespace ends a URL, so a ';' glued to it belongs to it
    ['foo @ https://x.example/y.whl;python_version<"3"', { name: 'foo', url: 'https://x.example/y.whl;python_version<"3"' }],
  ];
  for (const [text, want] of cases) {
    it(JSON.stringify(text), () => {
      const full: Want = { normalized: want.name.toLowerCase(), extras: [], specifier: '', ...want };
      assert.deepEqual(shape(text), full);
    });
  }
});

describe('parseRequirement: bad input names the requirement', () => {
  const cases: [string, string][] = [
    ['', 'expected a distribution name at column 1'],
    ['   ', 'expected a distribution name'],
    ['-foo', 'expected a distribution name'],
    ['_foo', 'expected a distribution name'],
    ['>=1.0', 'expected a distribution name'],
    ['foo-', "'-' is not a PEP 440 version specifier"],
    ['foo bar', "'bar' is not a PEP 440 version specifier"],
    ['foo 1.0', "'1.0' is not a PEP 440 version specifier"],
    ['foo # a comment', "comments ('#') are not allowed"],
    ['foo>=1.0 # a comment', "comments ('#') are not allowed"],
    ['foo; python_version < "3" # a comment', "unexpected '#'"],
    ['foo[bar', "expected ',' or ']' in the extras"],
    ['foo[bar,]', 'expected an extra name'],
    ['foo[,bar]', 'expected an extra name'],
    ['foo[bar baz]', "expected ',' or ']'"],
    ['foo[b@r]', "expected ',' or ']'"],
    ['foo>=', "'>=' is not a PEP 440 version specifier"],
    ['foo>=1.0,', 'empty clause'],
    ['foo>=1.0,,<2', 'empty clause'],
    ['foo>=1.0 <2', "'>=1.0 <2' is not"],
    ['foo=1.0', "'=1.0' is not"],
    ['foo==1.0.*.*', "'==1.0.*.*' is not"],
    ['foo~=1', "'~=1' is not"],
    ['foo>=1.0.*', "'>=1.0.*' is not"],
    ['foo<1.0+local', "'<1.0+local' is not"],
    ['foo===1.0)', "'===1.0)' is not"],
    ['foo (>=1.0', "missing ')'"],
    ['foo (>=1.0) bar', "unexpected 'b'"],
    ['foo (>=1.0) (<2)', "unexpected '('"],
    ['foo>=1.0;', "expected a marker after ';'"],
    ['foo>=1.0;   ', "expected a marker after ';'"],
    ['foo>=1.0; bad == "x"', "unknown marker variable 'bad'"],
    ['foo>=1.0; python_version <', 'environment marker'],
    ['foo @', "expected a URL with a scheme after '@'"],
    ['foo @ ', "expected a URL with a scheme after '@'"],
    ['foo @ ./local/dir', "expected a URL with a scheme after '@'"],
    ['foo @ https://x.example/y.whl >=1', "expected ' ;' and a marker after the URL, found '>'"],
    ['foo>=1.0 @ https://x.example/y.whl', 'is not a PEP 440 version specifier'],
    ['requests[security] ==2.8.1 python_version<"2.7"', 'is not a PEP 440 version specifier'],
  ];
  for (const [text, why] of cases) {
    it(JSON.stringify(text), () => {
      assert.throws(
        () => parseRequirement(text),
        (err: unknown) => {
          assert.ok(isUserError(err), String(err));
          assert.equal((err as { code: string }).code, 'EREQUIREMENT');
          const msg = (err as Error).message;
          assert.ok(msg.startsWith(`requirement '${text.trim()}'`), msg);
          assert.ok(msg.includes(why), `${JSON.stringify(why)} not in: ${msg}`);
          assert.ok(!msg.includes('\n'));
          return true;
        },
      );
    });
  }
});

describe('formatRequirement', () => {
  const cases: [string, string][] = [
    ["PySocks !=1.5.7,>=1.5.6 ; extra == 'socks'", 'PySocks!=1.5.7,>=1.5.6; extra == "socks"'],
    ['requests [ socks , Security ] >= 2.31', 'requests[security,socks]>=2.31'],
    ['pywin32 (>=1.0)', 'pywin32>=1.0'],
    ['anyio', 'anyio'],
    [
      'bar[x] @ git+https://github.com/org/bar.git@v1.0 ; python_version >= "3.8"',
      'bar[x] @ git+https://github.com/org/bar.git@v1.0 ; python_version >= "3.8"',
    ],
    ['pip @ https://example.org/pip.zip', 'pip @ https://example.org/pip.zip'],
    [
      "brotli; (platform_python_implementation == 'CPython') and extra == 'brotli'",
      'brotli; platform_python_implementation == "CPython" and extra == "brotli"',
    ],
  ];
  for (const [text, want] of cases) {
    it(`${text} -> ${want}`, () => {
      const r = parseRequirement(text);
      assert.equal(formatRequirement(r), want);
      assert.deepEqual(parseRequirement(formatRequirement(r)), r, 'the canonical text parses back to the same requirement');
    });
  }
});

describe('normalizePypiName (PEP 503), as requirements use it', () => {
  const cases: [string, string][] = [
    ['friendly-bard', 'friendly-bard'],
    ['Friendly-Bard', 'friendly-bard'],
    ['FRIENDLY-BARD', 'friendly-bard'],
    ['friendly.bard', 'friendly-bard'],
    ['friendly_bard', 'friendly-bard'],
    ['friendly--bard', 'friendly-bard'],
    ['FrIeNdLy-._.-bArD', 'friendly-bard'],
  ];
  for (const [name, want] of cases) it(`${name} -> ${want}`, () => assert.equal(normalizePypiName(name), want));
});
