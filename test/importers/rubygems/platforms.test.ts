import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  gemPlatformMatches,
  parseGemPlatform,
  pickGemPlatform,
  requiredRubyAllows,
  rubyGemVersion,
  type GemTarget,
} from '../../../importers/rubygems/platforms.js';
import { ruby, throwsUser } from '../../helpers/ruby-oracle.js';

const TARGET: GemTarget = { cpu: 'x86_64', os: 'linux', libc: 'gnu' };
/** RubyGems' local platform for that target, whatever machine runs the test. */
const RUBY_LOCAL = 'Gem.platforms = [Gem::Platform::RUBY, Gem::Platform.new("x86_64-linux-gnu")]';

// Platforms seen on rubygems.org (nokogiri, grpc, ffi, sqlite3, google-protobuf, sorbet-static, jruby gems, ...), then oddities.
const REAL = [
  'ruby',
  'x86_64-linux',
  'x86_64-linux-gnu',
  'x86_64-linux-musl',
  'aarch64-linux',
  'aarch64-linux-gnu',
  'aarch64-linux-musl',
  'arm-linux',
  'arm-linux-gnu',
  'arm-linux-musl',
  'arm-linux-gnueabihf',
  'arm-linux-musleabihf',
  'armv7-linux',
  'x86-linux',
  'x86-linux-gnu',
  'x86-linux-musl',
  'i386-linux',
  'i686-linux',
  'universal-linux',
  'java',
  'jruby',
  'universal-java',
  'universal-java-1.6',
  'universal-java-11',
  'x86_64-darwin',
  'x86_64-darwin-19',
  'x86_64-darwin19',
  'arm64-darwin',
  'arm64-darwin-21',
  'universal-darwin',
  'universal-darwin-9',
  'x64-mingw32',
  'x64-mingw-ucrt',
  'x86-mingw32',
  'x86-mswin32',
  'x86-mswin32-60',
  'x64-mswin64-140',
  'mswin32',
  'mswin64',
  'mingw32',
  'x86_64-freebsd',
  'amd64-freebsd-13',
  'x86_64-freebsd13',
  'x86_64-openbsd',
  'x86_64-openbsd6.9',
  'sparc-solaris2.8',
  'x86_64-solaris-2.11',
  'powerpc-darwin',
  'x86_64-linux-android',
  'aarch64-linux-android',
  'x86_64-cygwin',
  'dalvik',
  'dalvik21',
  'dotnet',
  'dotnet4.0',
  'universal-dotnet',
  'x86_64-netbsdelf',
  'x86_64-aix',
  'powerpc-aix7',
  'x86_64-macruby',
  'macruby',
  'x86_64-hpux11',
  'bitrig5.8',
];
const ODD = [
  'x86_64-linux-2.6',
  'x86_64-linux-uclibc',
  'x86_64-linux-gnux32',
  'x86_64-linux_musl',
  'x86_64-linuxmusl',
  'x86_64-linux-gnueabi',
  'x86_64-linux-gnu-2',
  'x86_64-linux-musl-1',
  'X86_64-Linux',
  'amd64-linux',
  'linux',
  'x86_64',
  'x86_64-unknown',
  'foo',
  '-linux',
  'x86_64-',
  '-',
  '--',
  'x86_64--linux',
  'x86_64-linux-',
  'x86_64-linux--',
  'i586-linux',
  'i86-linux',
  'x86_64-my_platform1',
  'test_platform',
  'x86_64-linux-gnu-musl',
  'universal-linux-musl',
  'universal-linux-gnu',
  'x86_64-javalinux',
  'x86_64-java1.7',
  'x86_64-javafoo',
  'x86-dotnet2.0',
  'x86_64-mingw-w64',
  'x86_64-linux-x86_64',
  'universal-mingw32',
  'x86_64-linux-gnu-x',
  'x86_64-darwin-linux',
  'x86_64-linux-darwin',
  'x86_64-linux-dotnet',
  'x86_64-linux-mswin32',
  'x86_64-linux-1',
  'x86_64-linux-1.2.3',
  'x86_64-netbsd',
];

// Random compositions of the parts platforms are made of.
function randomPlatforms(n: number): string[] {
  let a = 17;
  const next = (): number => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a / 2147483648;
  };
  const CPUS = ['x86_64', 'x86', 'i686', 'universal', 'arm', 'arm64', 'aarch64', 'amd64', '', 'java'];
  const OSES = [
    'linux',
    'linux-gnu',
    'linux-musl',
    'darwin',
    'darwin20',
    'mingw32',
    'mingw',
    'mswin64',
    'java',
    'freebsd',
    'linux-gnueabihf',
    'solaris2.10',
    'gnu',
  ];
  const VERS = ['', '', '', 'gnu', 'musl', '2', '14.0', 'x', 'gnu-1', '1.0.1'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const parts = [
      CPUS[Math.floor(next() * CPUS.length)]!,
      OSES[Math.floor(next() * OSES.length)]!,
      VERS[Math.floor(next() * VERS.length)]!,
    ];
    out.push(parts.filter((p, k) => k < 2 || p !== '').join('-'));
  }
  return out;
}

const POOL = [...new Set([...REAL, ...ODD, ...randomPlatforms(300)])];

interface RubyPlatform {
  toA: (string | null)[] | 'ruby';
  /** Gem::Platform.match_gem? with the Gem::Platform object (what specifications carry). */
  object: boolean;
  /** The same with the string (Gem::Platform#=~ maps a few legacy names first). */
  string: boolean;
  /** Bundler 2.3's MatchPlatform.platforms_match?. */
  bundler: boolean;
}

describe('gem platforms against the real RubyGems and Bundler', () => {
  const facts = ruby<RubyPlatform[]>(
    `require "bundler"
     ${RUBY_LOCAL}
     local = Gem::Platform.new("x86_64-linux-gnu")
     puts JSON.generate(input.map { |s|
       pl = Gem::Platform.new(s)
       { "toA" => pl == Gem::Platform::RUBY ? "ruby" : pl.to_a,
         "object" => Gem::Platform.match_gem?(pl, "x"), "string" => Gem::Platform.match_gem?(s, "x"),
         "bundler" => Bundler::MatchPlatform.platforms_match?(pl, local) }
     })`,
    POOL,
  );

  it(`parseGemPlatform is Gem::Platform.new(...).to_a for ${POOL.length} platforms`, () => {
    for (const [i, s] of POOL.entries())
      assert.deepEqual(
        parseGemPlatform(s),
        facts[i]!.toA === 'ruby' ? 'ruby' : { cpu: facts[i]!.toA[0], os: facts[i]!.toA[1], version: facts[i]!.toA[2] },
        JSON.stringify(s),
      );
  });

  it('gemPlatformMatches is RubyGems 3.3 on an x86_64 glibc Linux, minus Linux platforms naming another libc or system', () => {
    let matched = 0;
    let refused = 0;
    POOL.forEach((s, i) => {
      const f = facts[i]!;
      const parsed = parseGemPlatform(s);
      const otherLibc = parsed !== 'ruby' && parsed.os === 'linux' && parsed.version !== null;
      assert.equal(f.object, f.bundler, `RubyGems and Bundler agree on ${s}`);
      assert.equal(gemPlatformMatches(s, TARGET), f.object && !otherLibc, JSON.stringify(s));
      if (f.object && otherLibc) refused++;
      if (f.object && !otherLibc) matched++;
    });
    assert.ok(matched > 20 && refused >= 8, `${matched} match, ${refused} refused on purpose`);
  });

  // Specifications carry Gem::Platform objects (what bale follows); given a string, Gem::Platform#=~
  // first renames a few legacy names anywhere in it (`mswin32`, `dotnet`).
  it('RubyGems given the string instead differs only where its legacy names rename a platform', () => {
    let differ = 0;
    POOL.forEach((s, i) => {
      const f = facts[i]!;
      if (f.string === f.object) return;
      differ++;
      assert.ok(/dotnet|mswin32|mswin64/.test(s), `${s}: only the legacy mapping differs`);
    });
    assert.ok(differ > 0);
  });

  it('the documented cases', () => {
    const yes = ['ruby', '', 'x86_64-linux', 'x86_64-linux-gnu', 'universal-linux', 'linux', 'x86_64-linux-gnueabi'];
    const no = [
      'x86_64-linux-musl',
      'x86_64-linux-android',
      'arm64-darwin',
      'java',
      'x64-mingw32',
      'x86-linux',
      'i686-linux',
      'aarch64-linux',
      'aarch64-linux-gnu',
      'x86_64-darwin',
      'current',
      'X86_64-Linux',
      'amd64-linux',
      'x86_64-linux-uclibc',
      'universal-java-11',
    ];
    for (const p of yes) assert.equal(gemPlatformMatches(p, TARGET), true, p);
    for (const p of no) assert.equal(gemPlatformMatches(p, TARGET), false, p);
    assert.deepEqual(parseGemPlatform('x86_64-linux-gnu'), { cpu: 'x86_64', os: 'linux', version: null });
    assert.deepEqual(parseGemPlatform('x86_64-linux-musl'), { cpu: 'x86_64', os: 'linux', version: 'musl' });
    assert.deepEqual(parseGemPlatform('i686-linux'), { cpu: 'x86', os: 'linux', version: null });
    assert.deepEqual(parseGemPlatform('java'), { cpu: null, os: 'java', version: null });
  });
});

// Every list of up to four of these: the choice must be among Bundler's best.
const PICK_POOL = [
  'ruby',
  'x86_64-linux',
  'x86_64-linux-gnu',
  'x86_64-linux-musl',
  'universal-linux',
  'linux',
  'aarch64-linux',
  'java',
  'x64-mingw32',
  'x86-linux',
  'arm64-darwin',
  'x86_64-linux-android',
];
function subsets(pool: readonly string[], max: number): string[][] {
  const out: string[][] = [];
  const walk = (start: number, acc: string[]): void => {
    if (acc.length > 0) out.push([...acc]);
    if (acc.length === max) return;
    for (let i = start; i < pool.length; i++) walk(i + 1, [...acc, pool[i]!]);
  };
  walk(0, []);
  return out;
}

describe('pickGemPlatform', () => {
  const lists = subsets(PICK_POOL, 4);
  // Bundler is given the list without the platforms bale refuses on purpose (musl, android), which
  // Bundler 2.3 would otherwise rank above `ruby`.
  const refused = (p: string): boolean => {
    const parsed = parseGemPlatform(p);
    return parsed !== 'ruby' && parsed.os === 'linux' && parsed.version !== null;
  };
  const bundlerBest = ruby<string[][]>(
    `require "bundler"
     local = Gem::Platform.new("x86_64-linux-gnu")
     puts JSON.generate(input.map { |raws|
       specs = raws.map { |p| Gem::Specification.new { |g| g.name = "x"; g.version = "1.0"; g.platform = Gem::Platform.new(p) } }
       best = Bundler::GemHelpers.select_best_platform_match(specs, local)
       best.map { |s| raws[specs.index { |x| x.equal?(s) }] }
     })`,
    lists.map((l) => l.filter((p) => !refused(p))),
  );

  it(`picks one of Bundler 2.3's best platforms, for all ${lists.length} lists of up to four`, () => {
    lists.forEach((list, i) => {
      const ours = pickGemPlatform(list, TARGET, 'native');
      const best = bundlerBest[i]!;
      if (best.length === 0) assert.equal(ours, undefined, JSON.stringify(list));
      else assert.ok(ours !== undefined && best.includes(ours), `${JSON.stringify(list)}: ours ${ours}, Bundler ${JSON.stringify(best)}`);
      // Where Bundler ties the two (RubyGems 3.3 reads both as x86_64-linux), the one that says glibc wins.
      if (best.includes('x86_64-linux-gnu')) assert.equal(ours, 'x86_64-linux-gnu');
      // The order does not matter.
      assert.equal(pickGemPlatform([...list].reverse(), TARGET, 'native'), ours);
    });
  });

  it('with prefer ruby, takes the source gem when listed, else the same binary gem', () => {
    for (const list of lists) {
      const native = pickGemPlatform(list, TARGET, 'native');
      assert.equal(pickGemPlatform(list, TARGET, 'ruby'), list.includes('ruby') ? 'ruby' : native, JSON.stringify(list));
    }
  });

  it('orders x86_64-linux-gnu > x86_64-linux > universal-linux > ruby', () => {
    const all = ['ruby', 'universal-linux', 'x86_64-linux', 'x86_64-linux-gnu', 'x86_64-linux-musl', 'arm64-darwin', 'java'];
    assert.equal(pickGemPlatform(all, TARGET, 'native'), 'x86_64-linux-gnu');
    assert.equal(
      pickGemPlatform(
        all.filter((p) => p !== 'x86_64-linux-gnu'),
        TARGET,
        'native',
      ),
      'x86_64-linux',
    );
    assert.equal(pickGemPlatform(['ruby', 'universal-linux', 'x86_64-linux-musl'], TARGET, 'native'), 'universal-linux');
    assert.equal(pickGemPlatform(['ruby', 'x86_64-linux-musl', 'arm64-darwin'], TARGET, 'native'), 'ruby');
    assert.equal(pickGemPlatform(['x86_64-linux-musl', 'arm64-darwin', 'java'], TARGET, 'native'), undefined);
    assert.equal(pickGemPlatform([], TARGET, 'ruby'), undefined);
    assert.equal(pickGemPlatform(['x86_64-linux', 'x86_64-linux'], TARGET, 'ruby'), 'x86_64-linux');
  });
});

describe('rubyGemVersion and requiredRubyAllows against the real RubyGems', () => {
  // What the interpreter reports: RUBY_VERSION, RUBY_PATCHLEVEL and the version word of RUBY_DESCRIPTION.
  const RUBIES: [input: string, version: string, patchlevel: number, word: string][] = [
    ['3.1.2', '3.1.2', 0, '3.1.2p0'],
    ['3.1.2p20', '3.1.2', 20, '3.1.2p20'],
    ['2.7.8', '2.7.8', 225, '2.7.8p225'],
    ['3.0.0', '3.0.0', 0, '3.0.0p0'],
    ['3.2.2', '3.2.2', 53, '3.2.2p53'],
    ['3.3.0', '3.3.0', 0, '3.3.0'],
    ['3.4.0preview1', '3.4.0', -1, '3.4.0preview1'],
    ['3.4.0-preview2', '3.4.0', -1, '3.4.0preview2'],
    ['3.4.0.rc1', '3.4.0', -1, '3.4.0rc1'],
    ['3.4.0dev', '3.4.0', -1, '3.4.0dev'],
    ['3.3.0rc1', '3.3.0', -1, '3.3.0rc1'],
    ['3.1.0', '3.1.0', 0, '3.1.0p0'],
    ['10.0.0', '10.0.0', 1, '10.0.0p1'],
  ];
  const REQS = [
    '>= 2.7',
    '>= 3.0.0',
    '< 3.1',
    '>= 3.1.2',
    '> 3.1.2',
    '~> 3.1',
    '~> 3.1.0',
    '~> 3.0',
    '~> 2.7',
    '>= 2.5, < 3.2',
    '>= 3.4',
    '>= 3.4.0.a',
    '>= 3.4.0.dev',
    '>= 3.3.0.preview1',
    '< 3.4',
    '!= 3.1.2',
    '= 3.1.2',
    '>= 1.9.3',
    '>= 3.1.0&< 4',
    '>= 0',
    '< 3.4.0.preview2',
    '~> 3.4.0.a',
    '>= 2.6.0, < 3.5.dev',
    '> 3.3.0.rc1',
    '>= 3.2, != 3.2.2',
  ];
  const facts = ruby<{ gemVersion: string; allows: boolean[] }[]>(
    `$VERBOSE = nil
     puts JSON.generate(input["rubies"].map { |_, version, patchlevel, word|
       { RUBY_VERSION: version, RUBY_PATCHLEVEL: patchlevel, RUBY_DESCRIPTION: "ruby #{word} (2024-05-16 master 9d69619623) [x86_64-linux]" }.each do |k, v|
         Object.send(:remove_const, k)
         Object.const_set(k, v)
       end
       Gem.remove_instance_variable(:@ruby_version) if Gem.instance_variable_defined?(:@ruby_version)
       v = Gem.ruby_version
       { "gemVersion" => v.to_s, "allows" => input["reqs"].map { |r| Gem::Requirement.new(r.split(/[,&]/)).satisfied_by?(v) } }
     })`,
    { rubies: RUBIES, reqs: REQS },
  );

  it('rubyGemVersion is Gem.ruby_version for releases, patchlevels, previews, release candidates and dev builds', () => {
    for (const [i, [input]] of RUBIES.entries()) assert.equal(rubyGemVersion(input), facts[i]!.gemVersion, input);
  });

  it(`requiredRubyAllows is required_ruby_version.satisfied_by?(Gem.ruby_version), ${RUBIES.length} Rubies x ${REQS.length} requirements`, () => {
    let yes = 0;
    RUBIES.forEach(([input], i) => {
      REQS.forEach((req, j) => {
        assert.equal(requiredRubyAllows(req, input), facts[i]!.allows[j], `${req} on Ruby ${input}`);
        if (facts[i]!.allows[j]) yes++;
      });
    });
    assert.ok(yes > 80 && yes < RUBIES.length * REQS.length - 80, `${yes} yes`);
  });

  it('a preview of 3.4 is not 3.4 yet, as for gem install', () => {
    assert.equal(requiredRubyAllows('>= 3.4', '3.4.0preview1'), false);
    assert.equal(requiredRubyAllows('>= 3.4.0.a', '3.4.0preview1'), true);
    assert.equal(requiredRubyAllows('>= 3.3', '3.4.0preview1'), true);
  });

  it('no requirement admits every Ruby', () => {
    assert.equal(requiredRubyAllows(undefined, '3.1.2'), true);
    assert.equal(requiredRubyAllows('', '3.1.2'), true);
    assert.equal(requiredRubyAllows('  ', '3.1.2'), true);
    assert.equal(requiredRubyAllows([], '3.1.2'), true);
    assert.equal(requiredRubyAllows(['>= 2.5', '< 3.1'], '3.1.2'), false);
  });

  it('names a bad requirement or Ruby version in a one-line UserError', () => {
    throwsUser(() => requiredRubyAllows('>= 2.*', '3.1.2'), 'EREQUIREDRUBY', "required_ruby_version '>= 2.*'");
    throwsUser(() => requiredRubyAllows(['>= 2', 'nope'], '3.1.2'), 'EREQUIREDRUBY', "'>= 2, nope'");
    for (const bad of ['3.1', '3', 'ruby-3.1.2', '3.1.2 ', 'v3.1.2', '3.1.2-', '', '3.1.2p', '3.1.2.4']) {
      throwsUser(() => rubyGemVersion(bad), 'ERUBY', 'is not X.Y.Z');
      throwsUser(() => requiredRubyAllows(undefined, bad), 'ERUBY', 'is not X.Y.Z');
    }
  });
});
