import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bumpForPessimistic,
  canonicalGemVersion,
  compareGemVersions,
  gemRelease,
  isPrerelease,
  isValidGemVersion,
  sortGemVersions,
} from '../../../importers/rubygems/gem-version.js';
import { rng, ruby, throwsUser } from '../../helpers/ruby-oracle.js';

// Written by hand: the cases the Gem::Version rules are about.
const HAND = [
  '0',
  '1',
  '1.0',
  '1.0.0',
  '01',
  '1.01',
  '1.1',
  '1.9',
  '1.10',
  '1.2.9',
  '1.2.10',
  '0.0.0',
  '0.0.1',
  '2',
  '3.0',
  '10',
  '1.0.a',
  '1.0.b',
  '1.0.a1',
  '1.0.a2',
  '1.0.a10',
  '1.0.A',
  '1.0.Z',
  '1.0.aa',
  '1.a',
  '1a',
  '1.A',
  '1.0.a.0',
  '1.a.0',
  '1.a.0.1',
  '1.0.a.1',
  '1.0.0.rc1',
  '1.0.0-rc1',
  '1.0.0.pre.rc1',
  '1.0.0.rc.1',
  '1.0.rc1',
  '1.rc1',
  '1.0.0.RC1',
  '1.0.0.Rc1',
  '1.0.0.beta',
  '1.0.0.beta1',
  '1.0.0.beta.2',
  '1.0.0.alpha',
  '1.0.0.pre',
  '1.0.0.pre1',
  '1.0-1',
  '1.0.0-1',
  '1.0.0.1',
  '1.0.0.0.1',
  '2.0.0.a',
  '1.2.3a',
  '1.2.3a4b5',
  '1.2.3.a.4',
  '0.a',
  '0.0.a',
  '3.2.0.pre.preview1',
  '3.4.0.preview1',
  '3.4.0.dev',
  '1.0-rc-1',
  '1.0-x.y',
  '1.0--1',
  '2.0.0-alpha.1',
  '1.0.0.beta-2',
  '7.1.0.beta1',
  '7.1.0.rc2',
  '7.1.0',
  '7.1.0.1',
  '6.1.7.6',
  '1.16.0',
  '1.16.0.rc1',
  '0.9.9.9',
  '1.0.0.0.0.0.0',
  '99999999999999999999.1',
  '99999999999999999999.2',
  '100000000000000000000',
  '18446744073709551616',
  '9007199254740993',
  '9007199254740992',
  ' 1.2 ',
  '\t1.3\n',
  '1.0.0.a-b',
  '1.0.0.b-a',
  '1.0.B',
  '1.0.b',
  '1.0.0.pre.a',
  '1.0.0.pre.b',
];

const PARTS = [
  '0',
  '1',
  '2',
  '9',
  '10',
  '01',
  '00',
  '123',
  'a',
  'b',
  'rc',
  'pre',
  'beta',
  'alpha',
  'A',
  'Z',
  'rc1',
  'rc2',
  '1a',
  'b2',
  'dev',
  'x0',
];
function randomVersion(r: () => number): string {
  const n = 1 + Math.floor(r() * 5);
  const parts = [String(Math.floor(r() * 4))];
  for (let i = 1; i < n; i++) parts.push(PARTS[Math.floor(r() * PARTS.length)]!);
  let v = parts.join('.');
  if (r() < 0.15) v += `-${PARTS[Math.floor(r() * PARTS.length)]!}`;
  if (r() < 0.05) v = ` ${v}\t`;
  return v;
}

// Weighted towards what versions are made of, so both valid and invalid strings are plenty.
const CHARS = ['0', '1', '9', '0', '1', '.', '.', '.', '-', 'a', 'Z', 'rc', ' ', '\t', '\n', '\v', '_', '+', '\u00a0', '*', '..', 'v'];
function randomText(r: () => number): string {
  const n = Math.floor(r() * 8);
  let s = r() < 0.5 ? String(Math.floor(r() * 10)) : '';
  for (let i = 0; i < n; i++) s += CHARS[Math.floor(r() * CHARS.length)]!;
  return s;
}

const r = rng(4);
const RANDOM: string[] = [];
for (let i = 0; i < 250; i++) RANDOM.push(randomVersion(r));
const VERSIONS = [...new Set([...HAND, ...RANDOM])];
const TEXTS = [
  ...new Set([
    ...VERSIONS,
    ...Array.from({ length: 800 }, () => randomText(r)),
    '',
    ' ',
    '1.',
    '.1',
    '1..0',
    'a1',
    'v1.0',
    '1.0+x',
    '1,0',
    '1.0 1',
    '-1',
    '1.0.',
    '1.0-',
    '1.0-.a',
    '1.0-a.',
  ]),
];

interface RubyFacts {
  valid: boolean;
  canonical?: string;
  prerelease?: boolean;
  release?: string;
  bump?: string;
}

describe('Gem::Version facts, against the real RubyGems', () => {
  const facts = ruby<RubyFacts[]>(
    `puts JSON.generate(input.map { |v|
      next { "valid" => false } unless Gem::Version.correct?(v)
      g = Gem::Version.new(v)
      { "valid" => true, "canonical" => g.to_s, "prerelease" => g.prerelease?, "release" => g.release.to_s, "bump" => g.bump.to_s }
    })`,
    TEXTS,
  );

  it(`isValidGemVersion agrees with Gem::Version.correct? on ${TEXTS.length} strings (blank ones refused on purpose)`, () => {
    let valid = 0;
    TEXTS.forEach((v, i) => {
      const blank = /^[ \t\n\v\f\r]*$/.test(v);
      assert.equal(isValidGemVersion(v), facts[i]!.valid && !blank, JSON.stringify(v));
      if (facts[i]!.valid) valid++;
    });
    assert.ok(valid > 300 && valid < TEXTS.length - 300, `the table holds many of each: ${valid} valid of ${TEXTS.length}`);
  });

  it('RubyGems reads a blank string as version 0; bale refuses it', () => {
    assert.equal(facts[TEXTS.indexOf('')]!.valid, true);
    assert.equal(isValidGemVersion(''), false);
    assert.equal(isValidGemVersion(' \t'), false);
    throwsUser(() => canonicalGemVersion(''), 'EGEMVERSION', "''");
  });

  it('canonical text, prerelease?, release and bump agree with RubyGems for every valid version', () => {
    let n = 0;
    TEXTS.forEach((v, i) => {
      const f = facts[i]!;
      if (!f.valid || !isValidGemVersion(v)) return;
      n++;
      const what = JSON.stringify(v);
      assert.equal(canonicalGemVersion(v), f.canonical, `to_s of ${what}`);
      assert.equal(isPrerelease(v), f.prerelease, `prerelease? of ${what}`);
      assert.equal(gemRelease(v), f.release, `release of ${what}`);
      assert.equal(bumpForPessimistic(v), f.bump, `bump of ${what}`);
    });
    assert.ok(n > 300, `${n} versions`);
  });
});

describe('compareGemVersions and sortGemVersions, against the real RubyGems', () => {
  const table = VERSIONS.filter(isValidGemVersion);
  const cmp = ruby<number[][]>(
    `vs = input.map { |v| Gem::Version.new(v) }
     puts JSON.generate(vs.map { |a| vs.map { |b| a <=> b } })`,
    table,
  );

  it(`compares all ${table.length * table.length} pairs of ${table.length} versions as Gem::Version#<=> does`, () => {
    const wrong: string[] = [];
    table.forEach((a, i) => {
      table.forEach((b, j) => {
        const ours = compareGemVersions(a, b);
        if (ours !== cmp[i]![j]) wrong.push(`${JSON.stringify(a)} <=> ${JSON.stringify(b)}: ruby ${cmp[i]![j]}, ours ${ours}`);
      });
    });
    assert.deepEqual(wrong.slice(0, 20), []);
  });

  it('sorts as Ruby sorts them (ties broken by text), both ways, whatever the input order', () => {
    const shuffled = [...table].reverse();
    const [asc, desc] = ruby<[string[], string[]]>(
      `key = lambda { |a, b| (Gem::Version.new(a) <=> Gem::Version.new(b)).nonzero? || (a <=> b) }
       puts JSON.generate([input.sort(&key), input.sort(&key).reverse])`,
      shuffled,
    );
    assert.deepEqual(sortGemVersions(shuffled), asc);
    assert.deepEqual(sortGemVersions(table), asc);
    assert.deepEqual(sortGemVersions(shuffled, true), desc);
  });
});

describe('Gem::Version rules, spelled out', () => {
  const ordered: string[] = [
    '0.a',
    '0',
    '0.1',
    '1.0.0.a',
    '1.0.a1',
    '1.0.a2',
    '1.0.a10',
    '1.0.b',
    '1.0.0.pre.rc1',
    '1.0.0.rc1',
    '1.0.0.rc2',
    '1',
    '1.0.0.1',
    '1.1',
    '1.9',
    '1.10',
    '2.0.0.beta1',
    '2',
  ];
  it('orders prereleases before their release, numbers numerically', () => {
    for (let i = 1; i < ordered.length; i++) {
      assert.equal(compareGemVersions(ordered[i - 1]!, ordered[i]!), -1, `${ordered[i - 1]} < ${ordered[i]}`);
      assert.equal(compareGemVersions(ordered[i]!, ordered[i - 1]!), 1, `${ordered[i]} > ${ordered[i - 1]}`);
    }
    assert.deepEqual(sortGemVersions([...ordered].reverse()), ordered);
  });
  const equal: [string, string][] = [
    ['1.0', '1'],
    ['1.0.0', '1'],
    ['01', '1'],
    ['1.01', '1.1'],
    ['1.0.a', '1.a'],
    ['1.a.0', '1.0.a'],
    ['1.0.0-rc1', '1.0.0.pre.rc1'],
    [' 1.0 ', '1'],
  ];
  for (const [a, b] of equal) it(`${JSON.stringify(a)} equals ${JSON.stringify(b)}`, () => assert.equal(compareGemVersions(a, b), 0));
  it('canonicalises a dash to .pre., as RubyGems does', () => {
    assert.equal(canonicalGemVersion('1.0.0-rc1'), '1.0.0.pre.rc1');
    assert.equal(canonicalGemVersion('1.0-1'), '1.0.pre.1');
    assert.equal(isPrerelease('1.0-1'), true);
    assert.equal(canonicalGemVersion(' 2.0\n'), '2.0');
  });
  it('compares string segments bytewise: upper case first', () => {
    assert.equal(compareGemVersions('1.0.B', '1.0.a'), -1);
    assert.equal(compareGemVersions('1.0.RC1', '1.0.rc1'), -1);
  });
  it('handles numbers past 2^53 exactly', () => {
    assert.equal(compareGemVersions('9007199254740993', '9007199254740992'), 1);
    assert.equal(bumpForPessimistic('1.99999999999999999999.0'), '1.100000000000000000000');
  });
  const bumps: [string, string][] = [
    ['2.2', '3'],
    ['2.2.0', '2.3'],
    ['1', '2'],
    ['0', '1'],
    ['1.0.0.rc1', '1.1'],
    ['1.0.a', '2'],
    ['1.2.3.4', '1.2.4'],
    ['01.09', '2'],
    ['1.0.0-1', '1.1'],
    ['4.0.0.beta.2', '4.1'],
  ];
  for (const [v, b] of bumps) it(`~> ${v} ends before ${b}`, () => assert.equal(bumpForPessimistic(v), b));
  it('release drops the prerelease part only', () => {
    assert.equal(gemRelease('1.2.0.rc1'), '1.2.0');
    assert.equal(gemRelease('1.2.a.3'), '1.2');
    assert.equal(gemRelease('1.2.0'), '1.2.0');
    assert.equal(gemRelease('01.rc'), '1');
  });
  it('sorts equal spellings in a fixed order and never in place', () => {
    assert.deepEqual(sortGemVersions(['1.0.0', '1', '1.0']), ['1', '1.0', '1.0.0']);
    assert.deepEqual(sortGemVersions(['1.0', '1.0.0', '1'], true), ['1.0.0', '1.0', '1']);
    const input = ['2', '1'];
    sortGemVersions(input);
    assert.deepEqual(input, ['2', '1']);
    assert.deepEqual(sortGemVersions([]), []);
  });
});

describe('bad versions', () => {
  const bad = ['', 'foo', 'v1.0', '1.0.', '.1', '1..0', '1.0+local', 'latest', '1.0 final', '-1', '1.0-', '\u00a01.0', '1_0', '1.0.*'];
  for (const v of bad) it(`refuses ${JSON.stringify(v)}`, () => assert.equal(isValidGemVersion(v), false));
  it('names the bad version in a one-line UserError from every function', () => {
    throwsUser(() => compareGemVersions('foo', '1.0'), 'EGEMVERSION', "'foo'");
    throwsUser(() => compareGemVersions('1.0', 'bar'), 'EGEMVERSION', "'bar'");
    throwsUser(() => isPrerelease('1.0.'), 'EGEMVERSION', "'1.0.'");
    throwsUser(() => bumpForPessimistic('x'), 'EGEMVERSION', "'x'");
    throwsUser(() => gemRelease('x'), 'EGEMVERSION', "'x'");
    throwsUser(() => sortGemVersions(['1.0', 'nope']), 'EGEMVERSION', "'nope'");
    throwsUser(() => canonicalGemVersion('1.0\n\n2'), 'EGEMVERSION', '"1.0\\n\\n2"');
  });
  it('answers false, not a crash, for what is not a string', () => {
    assert.equal(isValidGemVersion(undefined as unknown as string), false);
    assert.equal(isValidGemVersion(1 as unknown as string), false);
  });
});
