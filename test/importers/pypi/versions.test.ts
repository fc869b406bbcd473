import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as pep440 from '@renovatebot/pep440';
import { type ErrorCode, isUserError } from '../../../src/errors/index.js';
import {
  bestVersion,
  compareVersions,
  formatSpecifierSet,
  isValidVersion,
  parseSpecifierSet,
  requiresPythonAllows,
  satisfies,
  sortVersions,
  type MatchOptions,
} from '../../../importers/pypi/versions.js';

function throwsUser(fn: () => unknown, code: ErrorCode, mentions: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isUserError(err), `not a UserError: ${String(err)}`);
    assert.equal((err as { code: string }).code, code);
    assert.ok((err as Error).message.includes(mentions), (err as Error).message);
    assert.ok(!(err as Error).message.includes('\n'));
    return true;
  });
}

describe('isValidVersion', () => {
  const valid = [
    '1.0',
    '1.0.0',
    '0',
    '2023.10.11',
    'v1.0',
    'V1.0',
    '1!2.0',
    '1.0a1',
    '1.0.0-beta.2',
    '1.0-alpha.1',
    '1.0c1',
    '1.0PREVIEW1',
    '1.0rc1',
    '1.0.post1',
    '1.0-1',
    '1.0-r1',
    '1.0.post',
    '1.0.dev0',
    '1.0.dev',
    '1.0+local.1',
    '1.0+ubuntu-1',
    '1.0a1.post2.dev3+x',
  ];
  const invalid = [
    '',
    ' ',
    '1.0.',
    '1..0',
    '.1',
    'a1.0',
    '1.0+',
    '1.0+a..b',
    'foo',
    'latest',
    '1.0-beta-x',
    '1.0 final',
    '1.0_1',
    '1.0-',
    '1!',
    '0.1dev-r1234',
    '1.0.*',
  ];
  for (const v of valid) it(`accepts ${JSON.stringify(v)}`, () => assert.equal(isValidVersion(v), true));
  for (const v of invalid) it(`refuses ${JSON.stringify(v)}`, () => assert.equal(isValidVersion(v), false));
});

// PEP 440's own ordering example, then epochs.
const ORDERED = [
  '1.dev0',
  '1.0.dev456',
  '1.0a1',
  '1.0a2.dev456',
  '1.0a12.dev456',
  '1.0a12',
  '1.0b1.dev456',
  '1.0b2',
  '1.0b2.post345.dev456',
  '1.0b2.post345',
  '1.0rc1.dev456',
  '1.0rc1',
  '1.0',
  '1.0+abc.5',
  '1.0+abc.7',
  '1.0+5',
  '1.0.post456.dev34',
  '1.0.post456',
  '1.0.15',
  '1.1.dev1',
  '1.10',
  '2!0.1',
];

describe('compareVersions and sortVersions', () => {
  it('sorts PEP 440 example versions in PEP 440 order, whatever the input order', () => {
    const shuffled = [...ORDERED].reverse();
    shuffled.push(shuffled.shift()!, shuffled.shift()!);
    assert.deepEqual(sortVersions(shuffled), ORDERED);
    assert.deepEqual(sortVersions(shuffled, true), [...ORDERED].reverse());
  });
  it('orders each neighbour pair both ways', () => {
    for (let i = 1; i < ORDERED.length; i++) {
      assert.ok(compareVersions(ORDERED[i - 1]!, ORDERED[i]!) < 0, `${ORDERED[i - 1]} < ${ORDERED[i]}`);
      assert.ok(compareVersions(ORDERED[i]!, ORDERED[i - 1]!) > 0, `${ORDERED[i]} > ${ORDERED[i - 1]}`);
    }
  });
  const equal: [string, string][] = [
    ['1.0', '1.0.0'],
    ['1', '1.0.0.0'],
    ['1.0a1', '1.0.0alpha1'],
    ['1.0-1', '1.0.post1'],
    ['1.0c1', '1.0rc1'],
    ['v1.0', '1.0'],
    ['0!1.0', '1.0'],
    ['1.01', '1.1'],
  ];
  for (const [a, b] of equal) it(`${a} equals ${b}`, () => assert.equal(compareVersions(a, b), 0));
  it('breaks ties between equal spellings by text, so the order is fixed', () => {
    assert.deepEqual(sortVersions(['1.0.0', '1.0']), ['1.0', '1.0.0']);
    assert.deepEqual(sortVersions(['1.0', '1.0.0']), ['1.0', '1.0.0']);
    assert.deepEqual(sortVersions(['1.0', '1.0.0'], true), ['1.0.0', '1.0']);
  });
  it('does not sort in place', () => {
    const input = ['2.0', '1.0'];
    sortVersions(input);
    assert.deepEqual(input, ['2.0', '1.0']);
  });
  it('names a version that is not PEP 440 (the library throws a TypeError instead)', () => {
    throwsUser(() => compareVersions('foo', '1.0'), 'EVERSION', "'foo'");
    throwsUser(() => compareVersions('1.0', 'bar'), 'EVERSION', "'bar'");
    throwsUser(() => sortVersions(['1.0', 'nope']), 'EVERSION', "'nope'");
  });
});

describe('parseSpecifierSet', () => {
  const ok: [string, string][] = [
    ['', ''],
    ['   ', ''],
    ['>=1.0', '>=1.0'],
    ['>= 1.0 , < 2', '>=1.0,<2'],
    ['==2.8.*', '==2.8.*'],
    ['!=3.0.*', '!=3.0.*'],
    ['==1!2.*', '==1!2.*'],
    ['~=1.4.5', '~=1.4.5'],
    ['~=2.2.post3', '~=2.2.post3'],
    ['==1.0+local', '==1.0+local'],
    ['!=1.0+local', '!=1.0+local'],
    ['===foobar', '===foobar'],
    ['<2,>=1.5,!=1.5.7', '<2,>=1.5,!=1.5.7'],
    ['>v1.0', '>v1.0'],
  ];
  for (const [text, want] of ok) {
    it(`accepts ${JSON.stringify(text)}`, () => {
      const clauses = parseSpecifierSet(text);
      assert.ok(clauses !== null);
      assert.equal(formatSpecifierSet(clauses), want);
    });
  }
  const bad = [
    '~=1',
    '~=1.0.*',
    '>=1.0.*',
    '<1.*',
    '<1.0+local',
    '>=1.0+local',
    '~=1.0+local',
    '==1.0a1.*',
    '==1.0.post1.*',
    '==1.0+x.*',
    '=1.0',
    '=>1.0',
    '>=',
    '>=1.0,',
    ',>=1.0',
    '>=1.0 <2',
    '1.0',
    '>=foo',
    '== 1.0 .*',
    '>=1.0;',
    '==*',
  ];
  for (const text of bad) it(`refuses ${JSON.stringify(text)}`, () => assert.equal(parseSpecifierSet(text), null));
});

interface Case {
  v: string;
  spec: string;
  want: boolean;
  opts?: MatchOptions;
}

describe('satisfies', () => {
  const cases: Case[] = [
    // empty set: every final release, pre-releases only when allowed
    { v: '1.0', spec: '', want: true },
    { v: '1.0a1', spec: '', want: false },
    { v: '1.0a1', spec: '', want: true, opts: { prereleases: true } },
    // inclusive comparisons and trailing zeros
    { v: '1.0', spec: '>=1.0', want: true },
    { v: '1', spec: '>=1.0.0', want: true },
    { v: '0.9', spec: '>=1.0', want: false },
    { v: '2.0', spec: '<=2', want: true },
    { v: '2.0.1', spec: '<=2', want: false },
    { v: '2.0+local', spec: '<=2.0', want: true },
    { v: '2.0+local', spec: '>=2.0', want: true },
    // requests: urllib3<3,>=1.21.1
    { v: '2.2.3', spec: '<3,>=1.21.1', want: true },
    { v: '3.0.0', spec: '<3,>=1.21.1', want: false },
    { v: '1.21.0', spec: '<3,>=1.21.1', want: false },
    // PySocks!=1.5.7,>=1.5.6
    { v: '1.5.7', spec: '!=1.5.7,>=1.5.6', want: false },
    { v: '1.5.8', spec: '!=1.5.7,>=1.5.6', want: true },
    { v: '1.5.7.0', spec: '!=1.5.7', want: false },
    // exact and local versions
    { v: '1.0', spec: '==1.0.0', want: true },
    { v: '1.0+abc', spec: '==1.0', want: true },
    { v: '1.0+abc', spec: '==1.0+abc', want: true },
    { v: '1.0+xyz', spec: '==1.0+abc', want: false },
    { v: '1.0', spec: '==1.0+abc', want: false },
    { v: '1.0+xyz', spec: '!=1.0+abc', want: true },
    { v: '1.0+abc', spec: '!=1.0', want: false },
    // wildcards (prefix matching pads the candidate with zeros, ignores its local label)
    { v: '2.8.5', spec: '==2.8.*', want: true },
    { v: '2.9', spec: '==2.8.*', want: false },
    { v: '2.80', spec: '==2.8.*', want: false },
    { v: '1', spec: '==1.0.*', want: true },
    { v: '1.0.post1', spec: '==1.0.*', want: true },
    { v: '1.0+local', spec: '==1.0.*', want: true },
    { v: '1!1.0', spec: '==1.*', want: false },
    { v: '1!1.0', spec: '==1!1.*', want: true },
    { v: '1.0a1', spec: '==1.0.*', want: false },
    { v: '1.0a1', spec: '==1.0.*', want: true, opts: { prereleases: true } },
    { v: '3.0.1', spec: '>=2.7,!=3.0.*,!=3.1.*', want: false },
    { v: '3.2', spec: '>=2.7,!=3.0.*,!=3.1.*', want: true },
    { v: '1.0.0', spec: '==1.*', want: true },
    // compatible release
    { v: '1.4.9', spec: '~=1.4.5', want: true },
    { v: '1.5.0', spec: '~=1.4.5', want: false },
    { v: '1.4.4', spec: '~=1.4.5', want: false },
    { v: '2.9', spec: '~=2.2', want: true },
    { v: '3.0', spec: '~=2.2', want: false },
    { v: '2.2.post3', spec: '~=2.2.post3', want: true },
    { v: '2.3', spec: '~=2.2.post3', want: true },
    { v: '1', spec: '~=1.0.0', want: true },
    { v: '1.0.1', spec: '~=1!1.0', want: false },
    { v: '1.4.5a4', spec: '~=1.4.5a4', want: true },
    { v: '1.4.5', spec: '~=1.4.5a4', want: true },
    // exclusive comparisons
    { v: '1.0', spec: '>1.0a1', want: true },
    { v: '1.0.post1', spec: '>1.0', want: false },
    { v: '1.0.1', spec: '>1.0', want: true },
    { v: '1.0+local', spec: '>1.0', want: false },
    { v: '1.0.post3', spec: '>1.0.post2', want: true },
    { v: '1.0.post1', spec: '>1.0.post2', want: false },
    { v: '1.1.post1', spec: '>1.0', want: true },
    { v: '1.0.post1', spec: '<1.0.post2', want: true },
    { v: '2.0.dev1', spec: '<2', want: false, opts: { prereleases: true } },
    { v: '2.0rc1', spec: '<2.0', want: false, opts: { prereleases: true } },
    { v: '1.9', spec: '<2', want: true },
    { v: '1.0a1', spec: '<1.0rc1', want: true },
    { v: '1.0', spec: '<1!1.0', want: true },
    { v: '1.0', spec: '<1.0', want: false },
    // pre-releases: a clause naming one opts the whole set in (pytest: exceptiongroup>=1.0.0rc8)
    { v: '1.0.0rc9', spec: '>=1.0.0rc8', want: true },
    { v: '1.5a1', spec: '>=1.0a1,<2', want: true },
    { v: '1.5a1', spec: '>=1.0,<2', want: false },
    { v: '1.5a1', spec: '>=1.0,<2', want: true, opts: { prereleases: true } },
    { v: '1.0.0rc9', spec: '>=1.0.0rc8', want: false, opts: { prereleases: false } },
    { v: '1.0a1', spec: '!=1.0a2', want: false },
    { v: '1.0.dev1', spec: '>=0.9', want: false },
    { v: '1.0.dev1', spec: '>=1.0.dev0', want: true },
    { v: '1.0.post1', spec: '>=1.0', want: true },
    // arbitrary equality: text, not version
    { v: '1.0', spec: '===1.0', want: true },
    { v: '1.0.0', spec: '===1.0', want: false },
    { v: '1.0+abc', spec: '===1.0', want: false },
    { v: 'FooBar', spec: '===foobar', want: true },
    { v: 'foobar', spec: '===FooBar', want: true },
    { v: 'foobar', spec: '===foobar,===foobar', want: true },
    // versions that are not PEP 440 match nothing else
    { v: 'foobar', spec: '>=1.0', want: false },
    { v: 'foobar', spec: '', want: false },
    { v: '0.1dev-r1234', spec: '===0.1dev-r1234', want: true },
  ];
  for (const c of cases) {
    it(`${c.v} ${c.want ? 'in' : 'not in'} '${c.spec}'${c.opts ? ` ${JSON.stringify(c.opts)}` : ''}`, () => {
      assert.equal(satisfies(c.v, c.spec, c.opts), c.want);
    });
  }
  it('names a specifier that is not PEP 440', () => {
    throwsUser(() => satisfies('1.0', '>=1.0.*'), 'ESPECIFIER', "'>=1.0.*'");
    throwsUser(() => satisfies('1.0', 'latest'), 'ESPECIFIER', "'latest'");
  });
});

describe('@renovatebot/pep440 still differs from PEP 440 here (why versions.ts matches on its own)', () => {
  // If one of these starts failing, the library was fixed: the compensation may go.
  const cases: [string, string, boolean][] = [
    ['1.5a1', '>=1.0a1,<2', true],
    ['1.0', '>1.0a1', true],
    ['1.0.post1', '<1.0.post2', true],
    ['1.0.post3', '>1.0.post2', true],
    ['1.0a1', '<1.0rc1', true],
    ['1.0', '<1!1.0', true],
    ['1', '==1.0.*', true],
    ['1', '~=1.0.0', true],
    ['1.0+xyz', '==1.0+abc', false],
    ['1.0+xyz', '!=1.0+abc', true],
    ['1.0+abc', '===1.0', false],
    ['1.0a1', '!=1.0a2', false],
  ];
  for (const [v, spec, pep] of cases) {
    it(`${v} vs '${spec}': PEP 440 says ${pep}, the library ${!pep}, ours ${pep}`, () => {
      assert.equal(pep440.satisfies(v, spec), !pep);
      assert.equal(satisfies(v, spec), pep);
    });
  }
  it('the library accepts a wildcard after a pre-release; ours refuses it', () => {
    assert.equal(pep440.validRange('==1.0a1.*'), true);
    assert.equal(parseSpecifierSet('==1.0a1.*'), null);
  });
  it('the library throws a TypeError on a non-PEP 440 version; ours answers false', () => {
    assert.throws(() => pep440.satisfies('foo', '>=1'), TypeError);
    assert.equal(satisfies('foo', '>=1'), false);
  });
});

describe('bestVersion', () => {
  const cases: { name: string; candidates: string[]; spec: string; opts?: MatchOptions; want: string | undefined }[] = [
    { name: 'the highest match', candidates: ['1.0', '2.31.0', '2.32.3', '3.0.0'], spec: '>=2,<3', want: '2.32.3' },
    { name: 'PEP 440 order, not text order', candidates: ['1.9', '1.10', '1.2'], spec: '', want: '1.10' },
    { name: 'a final release over a newer pre-release', candidates: ['1.0', '2.0a1'], spec: '>=1.0', want: '1.0' },
    { name: 'a pre-release when no final release matches', candidates: ['1.0', '2.0a1', '2.0b1'], spec: '>=1.5', want: '2.0b1' },
    { name: 'a pre-release when only pre-releases exist', candidates: ['0.1a1', '0.1a2'], spec: '', want: '0.1a2' },
    {
      name: 'no fallback when pre-releases are refused',
      candidates: ['1.0', '2.0a1'],
      spec: '>=1.5',
      opts: { prereleases: false },
      want: undefined,
    },
    { name: 'pre-releases compete when allowed', candidates: ['1.0', '2.0a1'], spec: '>=1.0', opts: { prereleases: true }, want: '2.0a1' },
    {
      name: 'a specifier naming a pre-release lets newer pre-releases win',
      candidates: ['1.0.0rc8', '1.0.0rc9', '0.9'],
      spec: '>=1.0.0rc8',
      want: '1.0.0rc9',
    },
    { name: 'nothing matches', candidates: ['1.0', '1.1'], spec: '>=2', want: undefined },
    { name: 'no candidates', candidates: [], spec: '', want: undefined },
    { name: 'equal spellings: a fixed choice', candidates: ['1.0', '1.0.0'], spec: '==1', want: '1.0.0' },
    { name: 'legacy versions are skipped', candidates: ['0.1dev-r1234', '0.0.9'], spec: '', want: '0.0.9' },
    {
      name: 'a legacy version by arbitrary equality',
      candidates: ['0.1dev-r1234', '0.0.9'],
      spec: '===0.1dev-r1234',
      want: '0.1dev-r1234',
    },
    { name: 'exclusive bound keeps 2.0rc1 out even in the fallback', candidates: ['2.0rc1', '2.0'], spec: '<2.0', want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(bestVersion(c.candidates, c.spec, c.opts), c.want));
  }
  it('names a bad specifier', () => throwsUser(() => bestVersion(['1.0'], '>>1'), 'ESPECIFIER', "'>>1'"));
});

describe('requiresPythonAllows', () => {
  const py = (fullVersion: string) => ({ version: fullVersion.split('.').slice(0, 2).join('.'), fullVersion });
  const cases: [string | undefined, string, boolean][] = [
    [undefined, '3.8.18', true],
    ['', '3.8.18', true],
    ['>=3.8', '3.8.0', true],
    ['>=3.8', '3.7.17', false],
    ['>=3.8,<3.12', '3.11.7', true],
    ['>=3.8,<3.12', '3.12.0', false],
    ['>=3.8, <3.12', '3.12.1', false],
    ['!=3.9.*', '3.9.18', false],
    ['!=3.9.*', '3.10.13', true],
    // six: the classic Python 2 and 3 spelling
    ['>=2.7, !=3.0.*, !=3.1.*, !=3.2.*', '3.11.7', true],
    // cryptography 44: specific bad patch releases
    ['>=3.7, !=3.9.0, !=3.9.1', '3.9.1', false],
    ['>=3.7, !=3.9.0, !=3.9.1', '3.9.2', true],
    ['~=3.10', '3.13.1', true],
    ['~=3.10.0', '3.11.0', false],
    ['==3.*', '3.12.4', true],
    ['>3.8', '3.8.1', true],
    // a pre-release interpreter counts as its X.Y.Z, as in pip
    ['>=3.13', '3.13.0rc1', true],
    ['<3.13', '3.13.0rc1', false],
    // packaging skips empty clauses
    ['>=3.8,', '3.11.7', true],
  ];
  for (const [rp, full, want] of cases) {
    it(`${JSON.stringify(rp)} ${want ? 'allows' : 'refuses'} ${full}`, () => assert.equal(requiresPythonAllows(rp, py(full)), want));
  }
  for (const garbage of ['>=3.6.*', 'python3', '>=3.8"', '3.8', '>= three']) {
    it(`names garbage ${JSON.stringify(garbage)}`, () =>
      throwsUser(() => requiresPythonAllows(garbage, py('3.11.7')), 'EREQUIRESPYTHON', `'${garbage}'`));
  }
});
