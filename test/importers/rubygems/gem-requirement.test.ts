import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allowsPrerelease,
  DEFAULT_GEM_REQUIREMENT,
  formatGemRequirement,
  parseGemClause,
  parseGemRequirement,
  satisfiesGem,
} from '../../../importers/rubygems/gem-requirement.js';
import { rng, ruby, throwsUser } from '../../helpers/ruby-oracle.js';

const OPS = ['', '=', '!=', '>', '<', '>=', '<=', '~>'];
// Versions requirements name: releases of every length, trailing zeros, prereleases, dashes.
const BOUNDS = [
  '0',
  '1',
  '1.0',
  '2',
  '2.2',
  '2.2.0',
  '2.2.1',
  '1.2.3',
  '1.2',
  '0.9',
  '3.0.0',
  '01.0',
  '1.0.0.rc1',
  '1.0.a',
  '2.0.0.beta.2',
  '3.0.0-beta',
  '2.a',
  '1.9.9',
  '0.0.1',
  '4',
  '1.2.3.4',
  '0.a',
];
// Versions tested against them: around every bound, prereleases of the next releases included.
const CANDIDATES = [
  '0',
  '0.0.1',
  '0.1',
  '0.9',
  '0.9.9',
  '1',
  '1.0',
  '1.0.0',
  '1.0.0.rc1',
  '1.0.0.rc2',
  '1.0.a',
  '1.0.b',
  '1.0.1',
  '1.1',
  '1.1.0.pre',
  '1.2',
  '1.2.2',
  '1.2.3',
  '1.2.3.4',
  '1.2.3.5',
  '1.2.4',
  '1.3',
  '1.9',
  '1.9.9',
  '1.10',
  '2',
  '2.0',
  '2.0.0.a',
  '2.0.0.beta.1',
  '2.0.0.beta.2',
  '2.0.0.beta.3',
  '2.0.0.rc1',
  '2.0.1',
  '2.1',
  '2.1.9',
  '2.2',
  '2.2.0',
  '2.2.0.rc1',
  '2.2.1',
  '2.2.9',
  '2.3',
  '2.3.0.a',
  '2.9',
  '3',
  '3.0.0.pre.beta',
  '3.0.0.beta',
  '3.0.0',
  '3.0.1',
  '3.1',
  '4',
  '4.0.0.rc1',
  '4.1',
  '10',
  '0.a',
  '0.0.a',
];

const r = rng(7);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const SPACING = [
  (op: string, v: string) => `${op} ${v}`,
  (op: string, v: string) => `${op}${v}`,
  (op: string, v: string) => `  ${op}\t ${v} `,
];
function clause(op: string, v: string): string {
  return op === '' ? (r() < 0.5 ? v : ` ${v} `) : pick(SPACING)(op, v);
}

// Every op with every bound, alone; then random conjunctions of two or three, written three ways.
const REQUIREMENTS: string[][] = [];
for (const op of OPS) for (const v of BOUNDS) REQUIREMENTS.push([clause(op, v)]);
for (let i = 0; i < 250; i++) {
  const n = 2 + Math.floor(r() * 2);
  REQUIREMENTS.push(Array.from({ length: n }, () => clause(pick(OPS), pick(BOUNDS))));
}
type Written = string | string[];
function written(parts: string[], i: number): Written {
  return i % 3 === 0 ? parts.join(',') : i % 3 === 1 ? parts.join('&') : parts;
}

interface RubyReq {
  toS: string;
  uniq: string;
  prerelease: boolean;
  satisfied: boolean[];
}

describe('Gem::Requirement against the real RubyGems', () => {
  const facts = ruby<RubyReq[]>(
    `vs = input["candidates"].map { |v| Gem::Version.new(v) }
     puts JSON.generate(input["requirements"].map { |parts|
       req = Gem::Requirement.new(parts)
       { "toS" => req.to_s, "uniq" => req.requirements.uniq.map { |op, v| "#{op} #{v}" }.join(", "),
         "prerelease" => req.prerelease?, "satisfied" => vs.map { |v| req.satisfied_by?(v) } }
     })`,
    { requirements: REQUIREMENTS, candidates: CANDIDATES },
  );

  it(`satisfiesGem agrees with satisfied_by? on ${REQUIREMENTS.length} requirements x ${CANDIDATES.length} versions`, () => {
    const wrong: string[] = [];
    REQUIREMENTS.forEach((parts, i) => {
      const req = parseGemRequirement(written(parts, i));
      CANDIDATES.forEach((v, j) => {
        if (satisfiesGem(v, req) !== facts[i]!.satisfied[j])
          wrong.push(`${JSON.stringify(parts)} with ${v}: ruby ${facts[i]!.satisfied[j]}`);
      });
    });
    assert.deepEqual(wrong.slice(0, 20), []);
    const hits = facts.flatMap((f) => f.satisfied).filter(Boolean).length;
    assert.ok(hits > 3000 && hits < REQUIREMENTS.length * CANDIDATES.length - 3000, `a mix of yes and no: ${hits}`);
  });

  it('satisfiesGem takes text and lists too, with the same answers', () => {
    REQUIREMENTS.slice(0, 80).forEach((parts, i) => {
      CANDIDATES.forEach((v, j) => {
        assert.equal(satisfiesGem(v, parts.join(', ')), facts[i]!.satisfied[j]);
        assert.equal(satisfiesGem(v, parts), facts[i]!.satisfied[j]);
      });
    });
  });

  it('allowsPrerelease is Gem::Requirement#prerelease?', () => {
    for (const [i, parts] of REQUIREMENTS.entries())
      assert.equal(allowsPrerelease(parseGemRequirement(parts)), facts[i]!.prerelease, JSON.stringify(parts));
  });

  it('formatGemRequirement is Gem::Requirement#to_s, repeats dropped, in any of the three spellings', () => {
    let plain = 0;
    REQUIREMENTS.forEach((parts, i) => {
      const ours = formatGemRequirement(parseGemRequirement(written(parts, i)));
      assert.equal(ours, facts[i]!.uniq, JSON.stringify(parts));
      if (facts[i]!.uniq === facts[i]!.toS) {
        plain++;
        assert.equal(ours, facts[i]!.toS);
      }
    });
    assert.ok(plain > 200);
  });
});

describe('parseGemClause against Gem::Requirement.parse', () => {
  const rr = rng(11);
  const CHARS = ['>', '<', '=', '~', '!', ' ', '\t', '0', '1', '9', '.', '-', 'a', 'rc', '\u00a0', '\n'];
  const texts = new Set<string>([
    '',
    ' ',
    '>=',
    '~>',
    '= = 1',
    '=> 1',
    '~ >1',
    '>= 1.0 < 2',
    '1.0.',
    '.1',
    '>= a',
    'latest',
    '<> 1',
    '==1',
    '=1',
    '>=\u00a01',
    '>= 1.0\n',
    '\n~> 1.0',
    '~>1',
    '!=1.0-x',
    '>= 1.0-',
    '>=1..2',
    '> 1.0 ',
    '\v>= 1\f',
    '~>~> 1',
    '>= v1',
    '>= 1.0.0.rc1',
  ]);
  const any = <T>(xs: readonly T[]): T => xs[Math.floor(rr() * xs.length)]!;
  const SPACE = ['', '', ' ', '  ', '\t', '\n', '\v', '\u00a0'];
  const SOME_OPS = [...OPS, ...OPS, '=>', '==', '~', '<>', '=<', '~=', '!', '>>'];
  const PIECES = ['0', '1', '9', '12', '.', '.', '-', 'a', 'rc', 'Z', '_', '+'];
  for (let i = 0; i < 1500; i++) {
    let s = '';
    const n = 1 + Math.floor(rr() * 7);
    for (let k = 0; k < n; k++) s += CHARS[Math.floor(rr() * CHARS.length)]!;
    texts.add(s);
    let v = any(['1', '0', '2']);
    for (let k = Math.floor(rr() * 5); k > 0; k--) v += any(PIECES);
    texts.add(`${any(SPACE)}${any(SOME_OPS)}${any(SPACE)}${rr() < 0.3 ? any(BOUNDS) : v}${any(SPACE)}`);
  }
  const table = [...texts];
  const verdicts = ruby<(string | null)[]>(
    `puts JSON.generate(input.map { |s|
       begin
         op, v = Gem::Requirement.parse(s)
         "#{op} #{v}"
       rescue Gem::Requirement::BadRequirementError
         nil
       end
     })`,
    table,
  );
  it(`accepts and reads exactly what RubyGems does, on ${table.length} strings`, () => {
    let ok = 0;
    table.forEach((s, i) => {
      const c = parseGemClause(s);
      assert.equal(c === null ? null : `${c.op} ${c.version}`, verdicts[i], JSON.stringify(s));
      if (c !== null) ok++;
    });
    assert.ok(ok > 300 && ok < table.length - 300, `${ok} valid`);
  });
});

describe('Gem::Requirement rules, spelled out', () => {
  const cases: [string, string, boolean][] = [
    ['~> 2.2', '2.2', true],
    ['~> 2.2', '2.9.9', true],
    ['~> 2.2', '3.0', false],
    ['~> 2.2', '2.1', false],
    ['~> 2.2.0', '2.2.9', true],
    ['~> 2.2.0', '2.3', false],
    // The release of the candidate is compared with the bump: `~> 1.0` refuses 2.0.rc1, which `< 2` takes.
    ['~> 1.0', '2.0.rc1', false],
    ['>= 1.0, < 2', '2.0.rc1', true],
    ['~> 1.0.0.rc1', '1.0.0.rc2', true],
    ['~> 1.0.0.rc1', '1.0.0', true],
    ['~> 1.0.0.rc1', '1.1', false],
    ['= 1.0', '1', true],
    ['1.0', '1.0.0', true],
    ['!= 1.0', '1.0.0', false],
    ['> 1.0', '1.0.0.1', true],
    ['>= 1.0', '1.1.rc1', true],
    ['< 1.0', '1.0.rc1', true],
    ['>= 1.2, < 3', '2.9', true],
    ['>= 1.2&< 3', '3', false],
    ['= 1.0.0-rc1', '1.0.0.pre.rc1', true],
  ];
  for (const [req, v, ok] of cases)
    it(`${JSON.stringify(req)} ${ok ? 'holds' : 'does not hold'} for ${v}`, () => assert.equal(satisfiesGem(v, req), ok));

  it('reads the three spellings registries use to the same requirement', () => {
    const a = parseGemRequirement('>= 1.2, < 3');
    assert.deepEqual(parseGemRequirement('>= 1.2&< 3'), a);
    assert.deepEqual(parseGemRequirement(['>= 1.2', '< 3']), a);
    assert.deepEqual(parseGemRequirement(['>=1.2,<3']), a);
    assert.deepEqual(a.clauses, [
      { op: '>=', version: '1.2' },
      { op: '<', version: '3' },
    ]);
  });
  it('keeps the order written, drops repeats, writes canonical versions', () => {
    assert.equal(formatGemRequirement(parseGemRequirement('< 3, >= 1.2')), '< 3, >= 1.2');
    assert.equal(formatGemRequirement(parseGemRequirement('>=1.2, >= 1.2, ~>1.2')), '>= 1.2, ~> 1.2');
    assert.equal(formatGemRequirement(parseGemRequirement('1.0.0-rc1')), '= 1.0.0.pre.rc1');
    assert.equal(formatGemRequirement(parseGemRequirement('>= 1.0, >= 1')), '>= 1.0, >= 1');
  });
  it('an empty list is the default >= 0, as in RubyGems', () => {
    assert.deepEqual(parseGemRequirement([]), DEFAULT_GEM_REQUIREMENT);
    assert.equal(formatGemRequirement(parseGemRequirement([])), '>= 0');
    assert.equal(formatGemRequirement({ clauses: [] }), '>= 0');
    assert.equal(satisfiesGem('0.0.1', { clauses: [] }), true);
    assert.equal(satisfiesGem('1.0.rc1', []), true);
  });
  it('allowsPrerelease only when a clause names one (any operator)', () => {
    assert.equal(allowsPrerelease('>= 1.0'), false);
    assert.equal(allowsPrerelease('>= 1.0, < 2.0.a'), true);
    assert.equal(allowsPrerelease('!= 1.0.rc1'), true);
    assert.equal(allowsPrerelease('~> 1.0.0-1'), true);
  });
  it('parsed requirements are frozen', () => {
    const req = parseGemRequirement('>= 1');
    assert.ok(Object.isFrozen(req) && Object.isFrozen(req.clauses));
  });
});

describe('bad requirements', () => {
  const bad = [
    '',
    '  ',
    '>=',
    '=> 1',
    '>= 1.0 < 2',
    '>= 1,',
    ', >= 1',
    '>= 1 &',
    '>= 1,,< 2',
    'latest',
    '>= 1.0.',
    '~>',
    '>= v1',
    '== 1.0',
    '>= 1.0 || < 0.5',
  ];
  for (const text of bad)
    it(`refuses ${JSON.stringify(text)} with EGEMREQ`, () =>
      throwsUser(() => parseGemRequirement(text), 'EGEMREQ', 'is not a RubyGems requirement'));
  it('names the whole input, on one line', () => {
    throwsUser(() => parseGemRequirement('>= 1.2, <<3'), 'EGEMREQ', "'>= 1.2, <<3'");
    throwsUser(() => parseGemRequirement(['>= 1', 'nope']), 'EGEMREQ', "'>= 1, nope'");
    throwsUser(() => parseGemRequirement('>= 1\n< 2'), 'EGEMREQ', '">= 1\\n< 2"');
    throwsUser(() => satisfiesGem('1.0', '>= x'), 'EGEMREQ', "'>= x'");
  });
  it('refuses what is not text', () => {
    throwsUser(() => parseGemRequirement(undefined as unknown as string), 'EGEMREQ', 'undefined');
    throwsUser(() => parseGemRequirement([1] as unknown as string[]), 'EGEMREQ', 'is not a RubyGems requirement');
  });
  it('a bad candidate version is EGEMVERSION', () => {
    throwsUser(() => satisfiesGem('one', '>= 1'), 'EGEMVERSION', "'one'");
  });
});
