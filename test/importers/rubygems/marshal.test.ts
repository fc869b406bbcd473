// The Marshal 4.8 reader (importers/rubygems/marshal.ts) and the RubyGems objects read from it
// (gem-marshal.ts), on bytes the real Ruby writes (`Marshal.dump`, this machine's ruby), then on
// what the network may send instead: every truncation, seeded random corruption, deep nesting,
// lying lengths, cycles, trailing bytes and types no index holds.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { GemIndexFormatError } from '../../../importers/rubygems/gem-release.js';
import { gemPlatform, gemRequirement, gemVersion, quickSpec, readGemMarshal, specTuples } from '../../../importers/rubygems/gem-marshal.js';
import {
  MarshalError,
  readMarshal,
  RHash,
  RObject,
  RSymbol,
  RUserDef,
  RUserMarshal,
  type MarshalValue,
} from '../../../importers/rubygems/marshal.js';

/** Each Ruby expression's Marshal.dump, from one ruby process. `--disable-gems` lets a test define its own Gem:: classes. */
function dumps(exprs: string[], prelude = '', disableGems = false): Buffer[] {
  const script = `${prelude}\nrequire "json"\nputs JSON.generate(ARGV.map { |e| Marshal.dump(eval(e)).unpack1("H*") })`;
  const out = execFileSync('ruby', [...(disableGems ? ['--disable-gems'] : []), '-e', script, '--', ...exprs], { encoding: 'utf8' });
  return (JSON.parse(out) as string[]).map((h) => Buffer.from(h, 'hex'));
}

const EXPRS: [string, (v: MarshalValue) => void][] = [
  ['nil', (v) => assert.equal(v, null)],
  ['[true, false]', (v) => assert.deepEqual(v, [true, false])],
  [
    '[0, 1, -1, 122, 123, -123, -124, 255, 256, -256, -257, 65535, 65536, 2**30 - 1, -(2**30)]',
    (v) => assert.deepEqual(v, [0, 1, -1, 122, 123, -123, -124, 255, 256, -256, -257, 65535, 65536, 2 ** 30 - 1, -(2 ** 30)]),
  ],
  ['[2**40, -(2**70)]', (v) => assert.deepEqual(v, [2n ** 40n, -(2n ** 70n)])],
  ['[1.5, -0.25, 1e100, 1e-5, 1.0/0, -1.0/0]', (v) => assert.deepEqual(v, [1.5, -0.25, 1e100, 1e-5, Infinity, -Infinity])],
  ['0.0/0', (v) => assert.ok(Number.isNaN(v))],
  [
    '["abc", "é€", "\\xE9".b, "caf\\xE9".force_encoding("ISO-8859-1"), "plain".force_encoding("US-ASCII"), ""]',
    (v) => assert.deepEqual(v, ['abc', 'é€', '\u00e9', 'café', 'plain', '']),
  ],
  [
    '[:runtime, :runtime, :dev, "x", :dev]',
    (v) => {
      assert.ok(Array.isArray(v));
      const [a, b, c, d, e] = v;
      assert.ok(a instanceof RSymbol && a.name === 'runtime' && b === a, 'a symlink is the same symbol');
      assert.ok(c instanceof RSymbol && c.name === 'dev' && e === c && d === 'x');
    },
  ],
  [
    's = "shared"; a = [1]; [s, a, s, a]',
    (v) => {
      assert.ok(Array.isArray(v) && v[0] === 'shared' && v[2] === 'shared' && v[1] === v[3], 'object links point at the object');
    },
  ],
  [
    '{"a" => 1, :b => [nil], 3 => {}}',
    (v) => {
      assert.ok(v instanceof RHash);
      assert.equal(v.entries.length, 3);
      assert.deepEqual(v.entries[0], ['a', 1]);
      assert.ok(v.entries[1]?.[0] instanceof RSymbol && v.entries[2]?.[1] instanceof RHash);
    },
  ],
  [
    't = Time.at(1577836800).utc; z = "UTC"; [t, z, t]',
    (v) => {
      // Time's zone string is registered before the Time itself: the link to `t` must find the Time.
      assert.ok(Array.isArray(v));
      const t = v[0];
      assert.ok(t instanceof RUserDef && t.className === 'Time' && t.bytes.length === 8);
      assert.equal(t.ivars.get('zone'), 'UTC');
      assert.equal(v[2], t);
    },
  ],
  [
    '[Gem::Version.new("1.4.0.rc1"), Gem::Requirement.new(">= 1.0", "< 3"), Gem::Platform.new("x86_64-linux"), Gem::Platform.new("universal-darwin-19")]',
    (v) => {
      assert.ok(Array.isArray(v));
      assert.ok(v[0] instanceof RUserMarshal && v[0].className === 'Gem::Version');
      assert.equal(gemVersion(v[0] as MarshalValue, 'v'), '1.4.0.rc1');
      assert.deepEqual(gemRequirement(v[1] as MarshalValue, 'r'), ['>= 1.0', '< 3']);
      assert.ok(v[2] instanceof RObject);
      assert.equal(gemPlatform(v[2] as MarshalValue, 'p'), 'x86_64-linux');
      assert.equal(gemPlatform(v[3] as MarshalValue, 'p'), 'universal-darwin-19');
    },
  ],
];

const SPEC = `Gem::Specification.new do |s|
  s.name = "fxm"; s.version = "2.1.0.pre"; s.summary = "caf\\u00e9"; s.authors = ["a"]; s.platform = "x86_64-linux"
  s.required_ruby_version = [">= 2.7", "< 4"]; s.required_rubygems_version = "> 1.3.1"
  s.add_runtime_dependency "zeta", "~> 1.2"; s.add_runtime_dependency "alpha", ">= 1.0", "< 3"
  s.add_development_dependency "devonly", ">= 0"; s.metadata = { "k" => "v" }
end`;

test('Ruby values as the real Marshal.dump writes them: numbers, strings by encoding, symbols, links, hashes, Time, Gem objects', () => {
  const bytes = dumps(EXPRS.map(([e]) => e));
  EXPRS.forEach(([expr, check], i) => {
    try {
      check(readMarshal(bytes[i] as Buffer));
    } catch (err) {
      assert.fail(`${expr}: ${(err as Error).message}`);
    }
  });
});

test('a Gem::Specification (quick spec): runtime dependencies only, sorted, normalised; requirements; platform object', () => {
  const [spec] = dumps([SPEC]);
  assert.deepEqual(quickSpec(readGemMarshal(spec as Buffer)), {
    name: 'fxm',
    version: '2.1.0.pre',
    platform: 'x86_64-linux',
    dependencies: [
      { name: 'alpha', requirement: '< 3, >= 1.0' },
      { name: 'zeta', requirement: '~> 1.2' },
    ],
    requiredRuby: '< 4, >= 2.7',
    requiredRubygems: '> 1.3.1',
  });
  const [plain] = dumps(['Gem::Specification.new { |s| s.name = "p"; s.version = "1"; s.summary = "s"; s.authors = [] }']);
  assert.deepEqual(
    quickSpec(readGemMarshal(plain as Buffer)),
    { name: 'p', version: '1', platform: 'ruby', dependencies: [] },
    '>= 0 is no requirement',
  );
});

test('RubyGems 1.x forms: Version, Requirement as plain objects, a Dependency without @type (runtime); specs tuples', () => {
  const prelude = `module Gem
    class Version; def initialize(v) @version = v end; end
    class Requirement; def initialize(*r) @requirements = r end; end
    class Dependency; def initialize(n, r, t = nil) @name = n; @version_requirements = r; @type = t if t end; end
    class Platform; def initialize(c, o, v) @cpu = c; @os = o; @version = v end; end
  end`;
  const [deps, tuples] = dumps(
    [
      '[Gem::Dependency.new("a", Gem::Requirement.new([">", Gem::Version.new("1")])), Gem::Dependency.new("d", Gem::Requirement.new(["=", Gem::Version.new("2")]), :development)]',
      '[["a", Gem::Version.new("1.0"), "ruby"], ["b", Gem::Version.new("2"), Gem::Platform.new("x86", "mswin32", "60")]]',
    ],
    prelude,
    true,
  );
  const list = readMarshal(deps as Buffer) as RObject[];
  assert.deepEqual(gemRequirement(list[0]?.ivars.get('version_requirements') as MarshalValue, 'r'), ['> 1']);
  assert.deepEqual(specTuples(readMarshal(tuples as Buffer)), [
    { name: 'a', version: '1.0', platform: 'ruby' },
    { name: 'b', version: '2', platform: 'x86-mswin32-60' },
  ]);
  assert.throws(
    () => specTuples(readMarshal(dumps(['[["a", "1.0", "ruby"]]'])[0] as Buffer)),
    GemIndexFormatError,
    'a version that is a bare string',
  );
  assert.throws(() => specTuples(readMarshal(dumps(['{}'])[0] as Buffer)), GemIndexFormatError);
  assert.throws(() => quickSpec(readMarshal(dumps(['[1]'])[0] as Buffer)), /not a Gem::Specification/);
});

test('every truncation of real dumps is a MarshalError, never another error or a value', () => {
  const all = dumps([...EXPRS.map(([e]) => e), SPEC]);
  for (const b of all) {
    for (let n = 0; n < b.length; n++) {
      assert.throws(() => readMarshal(b.subarray(0, n)), MarshalError, `${b.toString('hex')} cut at ${n}`);
    }
    assert.throws(() => readMarshal(Buffer.concat([b, Buffer.from([0x30])])), /1 bytes after the end/);
  }
});

test('seeded random corruption: a MarshalError or a value, never a crash, a hang or a huge allocation', () => {
  const [spec] = dumps([SPEC]);
  const inner = (readMarshal(spec as Buffer) as RUserDef).bytes;
  let seed = 0x9e3779b9;
  const rand = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const started = process.hrtime.bigint();
  let refused = 0;
  for (let i = 0; i < 5000; i++) {
    const b = Buffer.from(i % 2 === 0 ? inner : (spec as Buffer));
    for (let k = 1 + rand(4); k > 0; k--) b[2 + rand(b.length - 2)] = rand(256);
    try {
      readMarshal(b);
    } catch (err) {
      assert.ok(err instanceof MarshalError, `${b.toString('hex')}: ${String(err)}`);
      refused++;
    }
  }
  // About 40% of the changed bytes land inside strings, where any byte is valid.
  assert.ok(refused > 1500 && refused < 5000, `corruptions caught, others read as values (${refused} refused)`);
  assert.ok(process.hrtime.bigint() - started < 10_000_000_000n, 'bounded time');
});

test('hostile shapes: deep nesting, lying counts and lengths, cycles, bad links, foreign types, another format version', () => {
  const m = (...parts: (number | string)[]): Buffer =>
    Buffer.concat([Buffer.from([4, 8]), ...parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : Buffer.from(p, 'latin1')))]);
  const deep = Buffer.concat([Buffer.from([4, 8]), Buffer.alloc(200_000, '[\x06', 'latin1'), Buffer.from('0')]);
  assert.throws(() => readMarshal(deep), /nesting deeper than 64/);
  assert.deepEqual(readMarshal(m('[', 6, '[', 6, '[', 0)), [[[]]]);
  assert.throws(() => readMarshal(m('[', 4, 0xff, 0xff, 0xff, 0x3f, '0')), /array length of 1073741823 with 1 bytes left/);
  assert.throws(() => readMarshal(m('{', 3, 0xff, 0xff, 0xff)), /hash size/);
  assert.throws(() => readMarshal(m('"', 2, 0xff, 0x7f, 'ab')), /byte length of 32767 with 2 bytes left/);
  assert.throws(() => readMarshal(m('[', 0xfa, '0')), /a negative array length/);
  assert.throws(() => readMarshal(m('l', '+', 2, 0x58, 0x02, 'x'.repeat(1200))), /a bignum of 1200 bytes/);
  assert.throws(() => readMarshal(m('l', '+', 2, 0xff, 0x0f)), /truncated: a bignum length of 4095/);
  assert.throws(() => readMarshal(dumps(['a = []; a << a; a'])[0] as Buffer), /a cycle/);
  assert.throws(() => readMarshal(dumps(['h = {}; h[1] = h; h'])[0] as Buffer), /a cycle/);
  assert.throws(() => readMarshal(m('[', 6, '@', 6)), /a link to object 1 of 1/);
  assert.throws(() => readMarshal(m('[', 6, ';', 0)), /a link to symbol 0 of 0/);
  assert.throws(() => readMarshal(m('o', '"', 6, 'X', 0)), /a class name is a '"', not a symbol/);
  assert.throws(() => readMarshal(m('I', '[', 0, 0)), /instance variables on a '\['/);
  assert.throws(() => readMarshal(m('f', 12, '1.5junk')), /not a float/);
  const foreign = [
    ['String', /type 'c'/],
    ['Kernel', /type 'm'/],
    ['/re/', /instance variables on a '\/'/],
    ['(S = Struct.new(:a)).new(1)', /type 'S'/],
  ] as const;
  const foreignBytes = dumps(foreign.map(([e]) => e));
  for (const [i, [expr, why]] of foreign.entries()) assert.throws(() => readMarshal(foreignBytes[i] as Buffer), why, expr);
  assert.throws(() => readMarshal(Buffer.from([4, 7, 0x30])), /not Marshal 4\.8 data/);
  assert.throws(() => readMarshal(Buffer.from('<html>')), /not Marshal 4\.8 data/);
  assert.throws(
    () => readGemMarshal(Buffer.from([4, 8])),
    (err: Error) => err instanceof GemIndexFormatError && /not valid Marshal data: truncated/.test(err.message),
  );
});
