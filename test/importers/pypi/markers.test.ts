import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ErrorCode, isUserError } from '../../../src/errors/index.js';
import { markerEnv, type MarkerEnv } from '../../../importers/pypi/environment.js';
import { evaluateMarker, formatMarker, markerMentionsExtra, parseMarker, type Marker } from '../../../importers/pypi/markers.js';
import { normalizePypiName } from '../../../src/purl/purl.js';

const py = (fullVersion: string): MarkerEnv => markerEnv({ version: fullVersion.split('.').slice(0, 2).join('.'), fullVersion });
const none: ReadonlySet<string> = new Set();

function throwsMarker(fn: () => unknown, mentions: string, code: ErrorCode = 'EMARKER'): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isUserError(err), `not a UserError: ${String(err)}`);
    assert.equal((err as { code: string }).code, code);
    const msg = (err as Error).message;
    assert.ok(msg.includes(mentions), `${JSON.stringify(mentions)} not in: ${msg}`);
    assert.ok(!msg.includes('\n'), msg);
    return true;
  });
}

describe('parseMarker: the canonical text of what was parsed', () => {
  const cases: [string, string][] = [
    ['python_version<"3.11"', 'python_version < "3.11"'],
    ["python_version < '3.11'", 'python_version < "3.11"'],
    ['  sys_platform   ==   "win32"  ', 'sys_platform == "win32"'],
    ['\tos_name\t!=\t"nt"', 'os_name != "nt"'],
    // httpx / urllib3
    [
      "(platform_python_implementation == 'CPython') and extra == 'brotli'",
      'platform_python_implementation == "CPython" and extra == "brotli"',
    ],
    // cryptography
    ['platform_python_implementation != "PyPy"', 'platform_python_implementation != "PyPy"'],
    ['python_full_version >= "3.6.2"', 'python_full_version >= "3.6.2"'],
    ['implementation_name === "cpython"', 'implementation_name === "cpython"'],
    ['python_version ~= "3.8"', 'python_version ~= "3.8"'],
    ['python_version <= "3.8" or python_version >= "3.12"', 'python_version <= "3.8" or python_version >= "3.12"'],
    ['"3.8" > python_version', '"3.8" > python_version'],
    ['"linux" in sys_platform', '"linux" in sys_platform'],
    ['sys_platform not   in "win32 cygwin"', 'sys_platform not in "win32 cygwin"'],
    ['"a"in"b"', '"a" in "b"'],
    // and binds tighter than or
    ['os_name == "a" or os_name == "b" and os_name == "c"', 'os_name == "a" or os_name == "b" and os_name == "c"'],
    ['(os_name == "a" or os_name == "b") and os_name == "c"', '(os_name == "a" or os_name == "b") and os_name == "c"'],
    ['os_name == "c" and (os_name == "a" or os_name == "b")', 'os_name == "c" and (os_name == "a" or os_name == "b")'],
    ['((os_name == "a"))', 'os_name == "a"'],
    ['os_name == "a" and (os_name == "b" and os_name == "c")', 'os_name == "a" and os_name == "b" and os_name == "c"'],
    ['(os_name == "a" or (os_name == "b" or os_name == "c"))', 'os_name == "a" or os_name == "b" or os_name == "c"'],
    // quotes inside quotes, and characters PEP 508 strings allow
    [`os_name == '"'`, `os_name == '"'`],
    [`os_name == "it's"`, `os_name == "it's"`],
    ['platform_version == "#1 SMP (x) [y] {z}; a,b/c?d@e"', 'platform_version == "#1 SMP (x) [y] {z}; a,b/c?d@e"'],
    ['os_name == ""', 'os_name == ""'],
    // PEP 345 spellings
    ['os.name == "posix" and sys.platform == "linux"', 'os_name == "posix" and sys_platform == "linux"'],
    ['python_implementation == "CPython"', 'platform_python_implementation == "CPython"'],
    [
      'platform.machine == "x86_64" or platform.python_implementation == "PyPy"',
      'platform_machine == "x86_64" or platform_python_implementation == "PyPy"',
    ],
    ['platform.version == "x"', 'platform_version == "x"'],
    ['extra == "Socks"', 'extra == "Socks"'],
  ];
  for (const [text, want] of cases) {
    it(JSON.stringify(text), () => {
      const m = parseMarker(text);
      assert.equal(formatMarker(m), want);
      assert.deepEqual(parseMarker(formatMarker(m)), m, 'the canonical text parses back to the same AST');
    });
  }

  it('builds the tree with and inside or, nested groups flattened', () => {
    const cmp = (v: string): Marker => ({ kind: 'compare', left: { variable: 'os_name' }, op: '==', right: { literal: v } });
    assert.deepEqual(parseMarker('os_name == "a" or os_name == "b" and os_name == "c" and (os_name == "d" and os_name == "e")'), {
      kind: 'or',
      items: [cmp('a'), { kind: 'and', items: [cmp('b'), cmp('c'), cmp('d'), cmp('e')] }],
    });
    assert.deepEqual(parseMarker('"x" not in extra'), {
      kind: 'compare',
      left: { literal: 'x' },
      op: 'not in',
      right: { variable: 'extra' },
    });
  });
});

describe('parseMarker: syntax errors name the marker', () => {
  const cases: [string, string][] = [
    ['', 'expected a marker variable or a quoted string, found the end at column 1'],
    ['   ', 'found the end'],
    ['python_version', 'expected a comparison'],
    ['python_version <', 'found the end'],
    ['python_version < "3.8', 'unterminated quoted string at column 18'],
    [`python_version < '3.8"`, 'unterminated quoted string'],
    ['python_version = "3.8"', "unexpected '='"],
    ['python_version << "3"', "found '<'"],
    ['python_version < 3.8', "unexpected '3'"],
    ['python_version "3.8"', "expected a comparison (==, <, in, not in ...), found '3.8'"],
    ['python_version not "3.8"', "found 'not'"],
    ['python_version is "3.8"', "found 'is'"],
    ['foo == "x"', "unknown marker variable 'foo'"],
    ['Python_Version == "3"', "unknown marker variable 'Python_Version'"],
    ['python_version < "3.8" and', 'found the end'],
    ['python_version < "3.8" and and os_name == "nt"', "unknown marker variable 'and'"],
    ['python_version < "3.8" AND os_name == "nt"', "expected 'and', 'or' or the end, found 'AND'"],
    ['python_version < "3.8" os_name == "nt"', "found 'os_name'"],
    ['(python_version < "3.8"', "expected ')', found the end"],
    ['python_version < "3.8")', "expected 'and', 'or' or the end, found ')'"],
    ['()', "found ')'"],
    ['python_version < "3.8" # comment', "unexpected '#'"],
    ['python_version < "3.8" && os_name == "nt"', "unexpected '&'"],
    ['python_version < "3.8"; os_name == "nt"', "unexpected ';'"],
  ];
  for (const [text, why] of cases) {
    it(JSON.stringify(text), () => throwsMarker(() => parseMarker(text), why));
  }
  it('quotes the marker itself', () => throwsMarker(() => parseMarker('foo == "x"'), `environment marker 'foo == "x"' is invalid`));
});

interface EvalCase {
  marker: string;
  env?: MarkerEnv;
  extras?: string[];
  want: boolean;
}

describe('evaluateMarker', () => {
  const py38 = py('3.8.18');
  const py311 = py('3.11.7');
  const py312 = py('3.12.1');
  const cases: EvalCase[] = [
    // pytest: exceptiongroup and tomli below 3.11
    { marker: 'python_version < "3.11"', env: py38, want: true },
    { marker: 'python_version < "3.11"', env: py311, want: false },
    // version comparison, not text: "3.10" > "3.9" although '1' < '9'
    { marker: 'python_version > "3.9"', env: py311, want: true },
    { marker: 'python_version >= "3.10"', env: py38, want: false },
    { marker: 'python_version == "3.11"', env: py311, want: true },
    { marker: 'python_version == "3.11.0"', env: py311, want: true },
    { marker: 'python_version != "3.11"', env: py311, want: false },
    { marker: 'python_version == "3.*"', env: py311, want: true },
    { marker: 'python_version == "3.11.*"', env: py311, want: true },
    { marker: 'python_version == "3.1.*"', env: py311, want: false },
    { marker: 'python_version ~= "3.8"', env: py312, want: true },
    { marker: 'python_version === "3.11"', env: py311, want: true },
    { marker: 'python_version === "3.11.0"', env: py311, want: false },
    { marker: 'python_full_version >= "3.6.2"', env: py38, want: true },
    { marker: 'python_full_version < "3.8.19"', env: py38, want: true },
    { marker: 'python_full_version < "3.11.0a7"', env: py('3.11.0a6'), want: true },
    { marker: 'python_full_version >= "3.13"', env: py('3.13.0rc1'), want: false },
    { marker: 'python_full_version >= "3.13.0rc1"', env: py('3.13.0rc1'), want: true },
    { marker: 'implementation_version >= "3.11"', env: py311, want: true },
    { marker: 'implementation_version > "3.9"', env: py311, want: true },
    // an interpreter's own pre-release version still compares (packaging passes prereleases=True)
    { marker: 'python_full_version >= "3.12"', env: py('3.13.0rc1'), want: true },
    { marker: 'python_full_version != "3.12.1"', env: py('3.13.0rc1'), want: true },
    { marker: 'python_version < "3.10" or python_full_version == "3.10.0"', env: py('3.10.0'), want: true },
    { marker: 'python_version < "3.10" or python_full_version == "3.10.0"', env: py('3.10.1'), want: false },
    // the variable on the right: the literal is the candidate
    { marker: '"3.8" <= python_version', env: py311, want: true },
    { marker: '"3.12" <= python_version', env: py311, want: false },
    // not a version on one side: Python string comparison
    { marker: 'python_version > "x"', env: py311, want: false },
    { marker: 'python_version == "3.11-ish"', env: py311, want: false },
    { marker: 'python_version in "3.10 3.11 3.12"', env: py311, want: true },
    { marker: 'python_version in "2.7 3.4"', env: py311, want: false },
    { marker: 'python_version not in "3.8"', env: py311, want: true },
    // '=' at the start of the literal stays a string comparison (not ===)
    { marker: 'python_version == "=3.11"', env: py311, want: false },
    // platform markers of CPython on Linux x86_64
    { marker: 'sys_platform == "win32"', want: false },
    { marker: 'sys_platform == "linux"', want: true },
    { marker: 'sys_platform != "darwin"', want: true },
    { marker: 'platform_system == "Linux"', want: true },
    { marker: 'platform_system != "Windows"', want: true },
    { marker: 'os_name == "nt"', want: false },
    { marker: 'os.name == "posix"', want: true },
    { marker: 'platform_machine == "x86_64" or platform_machine == "AMD64"', want: true },
    { marker: 'platform_machine == "aarch64"', want: false },
    { marker: 'platform_python_implementation != "PyPy"', want: true },
    { marker: 'python_implementation == "CPython"', want: true },
    { marker: 'implementation_name == "cpython"', want: true },
    { marker: '"linux" in sys_platform', want: true },
    { marker: 'sys_platform not in "win32 cygwin"', want: true },
    { marker: '"win" in sys_platform', want: false },
    // strings compare as Python compares them: case-sensitive, by character
    { marker: 'platform_system == "linux"', want: false },
    { marker: 'sys_platform < "m"', want: true },
    { marker: 'sys_platform < "linux"', want: false },
    { marker: 'sys_platform >= "linux"', want: true },
    { marker: 'sys_platform >= "linuy"', want: false },
    { marker: 'sys_platform <= "linux"', want: true },
    { marker: 'sys_platform > "linux"', want: false },
    { marker: 'os_name === "posix"', want: true },
    // kernel markers are empty: bale builds for any kernel
    { marker: 'platform_release >= "5.0"', want: false },
    { marker: 'platform_release == ""', want: true },
    { marker: 'platform_version != ""', want: false },
    // and / or
    { marker: 'python_version >= "3.8" and python_version < "3.12"', env: py311, want: true },
    { marker: 'python_version >= "3.8" and python_version < "3.12"', env: py312, want: false },
    { marker: 'os_name == "nt" or sys_platform == "linux" and python_version < "3.9"', env: py38, want: true },
    { marker: 'os_name == "nt" or sys_platform == "linux" and python_version < "3.9"', env: py311, want: false },
    { marker: '(os_name == "nt" or sys_platform == "linux") and python_version < "3.9"', env: py38, want: true },
    { marker: '(os_name == "nt" or sys_platform == "win32") and python_version < "3.9"', env: py38, want: false },
    // extras: false when none is requested, normalised (PEP 685) on both sides
    { marker: 'extra == "socks"', want: false },
    { marker: 'extra != "socks"', want: true },
    { marker: 'extra == "socks"', extras: ['socks'], want: true },
    { marker: 'extra == "socks"', extras: ['http2'], want: false },
    { marker: 'extra == "socks"', extras: ['http2', 'socks'], want: true },
    { marker: "extra == 'use_chardet_on_py3'", extras: ['use-chardet-on-py3'], want: true },
    { marker: 'extra == "Use.Chardet--On_Py3"', extras: ['USE_chardet_on_py3'], want: true },
    { marker: '"socks" == extra', extras: ['Socks'], want: true },
    { marker: '"So_cks" == extra', extras: ['so-cks'], want: true },
    { marker: 'extra == "sock"', extras: ['socks'], want: false },
    { marker: '"sock" in extra', extras: ['socks'], want: true },
    // httpx: one extra, two implementations
    { marker: "(platform_python_implementation == 'CPython') and extra == 'brotli'", extras: ['brotli'], want: true },
    { marker: "(platform_python_implementation != 'CPython') and extra == 'brotli'", extras: ['brotli'], want: false },
    { marker: "(platform_python_implementation == 'CPython') and extra == 'brotli'", want: false },
    // pip's rule: one evaluation per requested extra, so no single extra is both
    { marker: 'extra == "a" and extra == "b"', extras: ['a', 'b'], want: false },
    { marker: 'extra == "a" or extra == "b"', extras: ['b'], want: true },
    // a marker without extra does not care which extras are requested
    { marker: 'python_version < "3.11"', env: py38, extras: ['socks'], want: true },
    { marker: 'python_version >= "3.8" and extra == "test"', env: py311, extras: ['test'], want: true },
    { marker: 'python_version < "3.8" and extra == "test"', env: py311, extras: ['test'], want: false },
  ];
  for (const c of cases) {
    const label = `${c.marker} ${c.env ? `on ${c.env.python_full_version}` : ''}${c.extras ? ` [${c.extras.join(',')}]` : ''} -> ${c.want}`;
    it(label, () => assert.equal(evaluateMarker(parseMarker(c.marker), c.env ?? py311, c.extras ? new Set(c.extras) : none), c.want));
  }

  it('refuses ~= where PEP 440 does not define it (PEP 508: an error, not false)', () => {
    throwsMarker(() => evaluateMarker(parseMarker('os_name ~= "posix"'), py311, none), `'os_name ~= "posix"'`);
    throwsMarker(() => evaluateMarker(parseMarker('python_version ~= "surprise"'), py311, none), '~= needs versions');
    throwsMarker(() => evaluateMarker(parseMarker('"dog" ~= "fred"'), py311, none), '~=');
  });
  it('skips branches it does not need: or stops at the first true, and at the first false', () => {
    assert.equal(evaluateMarker(parseMarker('os_name == "posix" or os_name ~= "x"'), py311, none), true);
    assert.equal(evaluateMarker(parseMarker('os_name == "nt" and os_name ~= "x"'), py311, none), false);
  });
});

describe('markerMentionsExtra', () => {
  const cases: [string, boolean][] = [
    ['extra == "socks"', true],
    ['"socks" == extra', true],
    ['python_version < "3.11"', false],
    ['python_version < "3.11" and (os_name == "nt" or extra == "x")', true],
    ['os_name == "extra"', false],
    ['platform_python_implementation == "CPython" or sys_platform == "linux"', false],
  ];
  for (const [text, want] of cases) it(`${text} -> ${want}`, () => assert.equal(markerMentionsExtra(parseMarker(text)), want));
});

describe('extras normalise as names do (PEP 685): normalizePypiName', () => {
  const cases: [string, string][] = [
    ['socks', 'socks'],
    ['use_chardet_on_py3', 'use-chardet-on-py3'],
    ['Adhoc.SSL', 'adhoc-ssl'],
    ['a-_.-b', 'a-b'],
    ['A__B..C', 'a-b-c'],
  ];
  for (const [name, want] of cases) it(`${name} -> ${want}`, () => assert.equal(normalizePypiName(name), want));
});
