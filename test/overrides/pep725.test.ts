import assert from 'node:assert/strict';
import { aptCache } from '../helpers/apt-cache.js';
import { describe, it } from 'node:test';
import { isUserError } from '../../src/errors/index.js';
import { DEBIAN_FOR, debianFor, debianPackages, parseDepUrl, parseExternal } from '../../src/overrides/pep725.js';

const SRC = 'cryptography-42.0.8.tar.gz:cryptography-42.0.8/pyproject.toml';

function rejects(text: string, ...patterns: RegExp[]): void {
  assert.throws(
    () => parseExternal(text, SRC),
    (err: Error & { code?: string }) => {
      assert.ok(isUserError(err), 'a UserError');
      assert.equal(err.code, 'EPEP725');
      assert.ok(err.message.startsWith(`${SRC}: `), err.message);
      assert.ok(!err.message.includes('\n'), 'one line');
      for (const p of patterns) assert.match(err.message, p);
      return true;
    },
  );
}

describe('parseExternal', () => {
  it('is undefined for a pyproject.toml without [external]', () => {
    assert.equal(parseExternal('[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n', SRC), undefined);
    assert.equal(parseExternal('', SRC), undefined);
  });

  it('reads build-requires and host-requires (the PEP example for cryptography)', () => {
    const text = [
      '[build-system]',
      'requires = ["maturin>=1,<2", "cffi>=1.12", "setuptools"]',
      'build-backend = "maturin"',
      '',
      '[project]',
      'name = "cryptography"',
      '',
      '[external]',
      'build-requires = [',
      '  "dep:virtual/compiler/c",',
      '  "dep:virtual/compiler/rust",',
      '  "dep:generic/pkg-config",',
      ']',
      'host-requires = [',
      '  "dep:generic/openssl",',
      '  "dep:generic/libffi",',
      ']',
    ].join('\n');
    assert.deepEqual(parseExternal(text, SRC), {
      build: ['dep:virtual/compiler/c', 'dep:virtual/compiler/rust', 'dep:generic/pkg-config'],
      host: ['dep:generic/openssl', 'dep:generic/libffi'],
      run: [],
      optional: { build: {}, host: {}, run: {} },
    });
  });

  it('reads version ranges, optional groups and markers (SciPy, Pillow, NAVis, jupyterlab-git)', () => {
    const scipy = parseExternal(
      '[external]\nbuild-requires = ["dep:virtual/compiler/c", "dep:virtual/compiler/cpp", "dep:virtual/compiler/fortran", "dep:generic/ninja", "dep:generic/pkg-config"]\nhost-requires = ["dep:virtual/interface/blas", "dep:virtual/interface/lapack@>=3.7.1"]\n',
      SRC,
    )!;
    assert.deepEqual(scipy.host, ['dep:virtual/interface/blas', 'dep:virtual/interface/lapack@>=3.7.1']);

    const pillow = parseExternal(
      [
        '[external]',
        'build-requires = ["dep:virtual/compiler/c"]',
        'host-requires = ["dep:generic/libjpeg", "dep:generic/zlib"]',
        '',
        '[external.optional-host-requires]',
        'extra = ["dep:generic/lcms2", "dep:generic/freetype", "dep:generic/libtiff", "dep:generic/libwebp", "dep:generic/openjpeg@>=2.0", "dep:generic/tk"]',
      ].join('\n'),
      SRC,
    )!;
    assert.deepEqual(pillow.host, ['dep:generic/libjpeg', 'dep:generic/zlib']);
    assert.equal(pillow.optional.host['extra']!.length, 6);

    const navis = parseExternal(
      '[project.optional-dependencies]\nr = ["rpy2"]\n\n[external]\nbuild-requires = ["dep:generic/XCB; platform_system==\'Linux\'"]\n\n[external.optional-dependencies]\nnat = ["dep:cran/nat", "dep:cran/nat.nblast"]\n',
      SRC,
    )!;
    assert.deepEqual(navis.build, ["dep:generic/XCB; platform_system=='Linux'"]);
    assert.deepEqual(navis.optional.run, { nat: ['dep:cran/nat', 'dep:cran/nat.nblast'] });

    const jlgit = parseExternal(
      '[external]\ndependencies = ["dep:generic/git"]\n\n[external.optional-build-requires]\ndev = ["dep:generic/nodejs"]\n',
      SRC,
    )!;
    assert.deepEqual(jlgit.run, ['dep:generic/git']);
    assert.deepEqual(jlgit.optional.build, { dev: ['dep:generic/nodejs'] });
  });

  it('reads the earlier draft spelling projects already ship: pkg: PURLs and virtual:compiler/c', () => {
    const ext = parseExternal(
      '[external]\nbuild-requires = ["virtual:compiler/c", "virtual:compiler/cpp", "pkg:generic/pkg-config"]\nhost-requires = ["pkg:generic/libpq"]\ndependencies = ["pkg:generic/libpq@>=12"]\n',
      SRC,
    )!;
    assert.deepEqual(ext.build, ['virtual:compiler/c', 'virtual:compiler/cpp', 'pkg:generic/pkg-config']);
    assert.deepEqual(ext.host, ['pkg:generic/libpq']);
    assert.deepEqual(ext.run, ['pkg:generic/libpq@>=12']);
  });

  it('accepts dependency groups with includes and does not count them as requirements', () => {
    const ext = parseExternal(
      '[external]\nhost-requires = ["dep:generic/zlib"]\n\n[external.dependency-groups]\ntest = ["dep:generic/valgrind"]\ndev = ["dep:generic/catch2", { include-group = "test" }]\n',
      SRC,
    )!;
    assert.deepEqual(ext.host, ['dep:generic/zlib']);
    assert.deepEqual([ext.build, ext.run], [[], []]);
  });

  const bad: { name: string; text: string; patterns: RegExp[] }[] = [
    { name: 'text that is not TOML', text: '[external\nbuild-requires = [', patterns: [/not valid TOML/] },
    { name: '[external] that is not a table', text: 'external = ["dep:generic/zlib"]', patterns: [/external: expected a table/] },
    {
      name: 'build-requires as a string',
      text: '[external]\nbuild-requires = "dep:virtual/compiler/c"',
      patterns: [/external\.build-requires: expected an array/],
    },
    {
      name: 'an entry that is not a string',
      text: '[external]\nhost-requires = ["dep:generic/zlib", 3]',
      patterns: [/external\.host-requires\[1\]: expected a string/],
    },
    { name: 'a bare name', text: '[external]\nhost-requires = ["openssl"]', patterns: [/host-requires\[0\] "openssl"/, /dep: URL/] },
    { name: 'a PyPI requirement', text: '[external]\ndependencies = ["requests>=2"]', patterns: [/dependencies\[0\]/] },
    { name: 'a type that is not a PURL type', text: '[external]\nhost-requires = ["dep:Generic_X/zlib"]', patterns: [/not a PURL type/] },
    { name: 'a name-less URL', text: '[external]\nhost-requires = ["dep:generic"]', patterns: [/no package name/] },
    { name: 'an empty segment', text: '[external]\nhost-requires = ["dep:generic//zlib"]', patterns: [/empty or blank path segment/] },
    {
      name: 'a virtual namespace PEP 725 does not define',
      text: '[external]\nbuild-requires = ["dep:virtual/language/c"]',
      patterns: [/virtual\/compiler\/<name>/],
    },
    {
      name: 'a version operator PEP 725 does not allow',
      text: '[external]\nhost-requires = ["dep:generic/openssl@~=3.0"]',
      patterns: [/version "~=3.0"/],
    },
    { name: 'an empty version', text: '[external]\nhost-requires = ["dep:generic/openssl@"]', patterns: [/empty version/] },
    { name: 'an empty marker', text: '[external]\nhost-requires = ["dep:generic/openssl; "]', patterns: [/empty environment marker/] },
    { name: 'an unknown key', text: '[external]\nrequires = ["dep:generic/zlib"]', patterns: [/external\.requires: unknown key/] },
    {
      name: 'optional-host-requires as an array',
      text: '[external]\noptional-host-requires = ["dep:generic/tk"]',
      patterns: [/optional-host-requires: expected a table of arrays/],
    },
    {
      name: 'an optional group that is not an array',
      text: '[external.optional-dependencies]\nnat = "dep:cran/nat"',
      patterns: [/optional-dependencies\.nat: expected an array/],
    },
    {
      name: 'an include of an unknown group',
      text: '[external.dependency-groups]\ndev = [{ include-group = "tests" }]',
      patterns: [/unknown group "tests"/],
    },
    {
      name: 'a malformed group item',
      text: '[external.dependency-groups]\ndev = [{ include = "x" }]',
      patterns: [/dependency-groups\.dev\[0\]/],
    },
    {
      name: 'every problem at once',
      text: '[external]\nbuild-requires = ["gcc"]\nhost-requires = ["dep:generic/zlib", "dep:generic/x@~=1"]\ncolour = 1',
      patterns: [/build-requires\[0\]/, /host-requires\[1\]/, /external\.colour/],
    },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}, naming the source`, () => {
      rejects(c.text, ...c.patterns);
    });
  }
});

describe('parseDepUrl', () => {
  it('takes the spellings apart', () => {
    assert.deepEqual(parseDepUrl('dep:virtual/compiler/c'), { scheme: 'dep', type: 'virtual', namespace: ['compiler'], name: 'c' });
    assert.deepEqual(parseDepUrl('virtual:interface/lapack'), {
      scheme: 'virtual',
      type: 'virtual',
      namespace: ['interface'],
      name: 'lapack',
    });
    assert.deepEqual(parseDepUrl('dep:golang/github.com/junegunn/fzf'), {
      scheme: 'dep',
      type: 'golang',
      namespace: ['github.com', 'junegunn'],
      name: 'fzf',
    });
    assert.deepEqual(parseDepUrl("dep:github/AbiWord/enchant; platform_system!='Windows'"), {
      scheme: 'dep',
      type: 'github',
      namespace: ['AbiWord'],
      name: 'enchant',
      marker: "platform_system!='Windows'",
    });
    assert.deepEqual(parseDepUrl('pkg:generic/openjpeg@>=2.0, <3'), {
      scheme: 'pkg',
      type: 'generic',
      namespace: [],
      name: 'openjpeg',
      version: '>=2.0, <3',
    });
    assert.deepEqual(parseDepUrl('pkg:pypi/numpy@2.0'), { scheme: 'pkg', type: 'pypi', namespace: [], name: 'numpy', version: '2.0' });
    assert.equal(parseDepUrl('openssl'), undefined);
    assert.equal(parseDepUrl('dep:virtual/c'), undefined);
  });
});

describe('debianFor', () => {
  it('maps common libraries to -dev packages for building and library packages for running', () => {
    assert.deepEqual(debianFor('dep:generic/openssl'), ['libssl-dev']);
    assert.deepEqual(debianFor('dep:generic/openssl', 'run'), ['libssl3']);
    assert.deepEqual(debianFor('pkg:generic/zlib', 'build'), ['zlib1g-dev']);
    assert.deepEqual(debianFor('dep:generic/libffi'), ['libffi-dev']);
    assert.deepEqual(debianFor('dep:generic/libxml2'), ['libxml2-dev']);
    assert.deepEqual(debianFor('pkg:generic/libpq'), ['libpq-dev']);
    assert.deepEqual(debianFor('dep:generic/libpq', 'run'), ['libpq5']);
  });

  it('maps compilers and build tools, a compiler needing nothing at run time unless it has a runtime library', () => {
    assert.deepEqual(debianFor('dep:virtual/compiler/c', 'build'), ['gcc', 'libc6-dev']);
    assert.deepEqual(debianFor('virtual:compiler/c', 'run'), []);
    assert.deepEqual(debianFor('virtual:compiler/cpp', 'build'), ['g++']);
    assert.deepEqual(debianFor('dep:virtual/compiler/cxx', 'build'), ['g++']);
    assert.deepEqual(debianFor('dep:virtual/compiler/rust', 'build'), ['rustc', 'cargo']);
    assert.deepEqual(debianFor('dep:virtual/compiler/fortran', 'run'), ['libgfortran5']);
    assert.deepEqual(debianFor('dep:generic/pkg-config', 'build'), ['pkgconf']);
    assert.deepEqual(debianFor('dep:generic/ninja', 'build'), ['ninja-build']);
    assert.deepEqual(debianFor('dep:generic/git', 'run'), ['git']);
  });

  it('ignores versions, markers and case', () => {
    assert.deepEqual(debianFor("dep:generic/XCB; platform_system=='Linux'", 'build'), ['libxcb1-dev']);
    assert.deepEqual(debianFor('dep:virtual/interface/lapack@>=3.7.1'), ['libopenblas-dev']);
    assert.deepEqual(debianFor('dep:generic/OpenSSL@>=3'), ['libssl-dev']);
  });

  it('is undefined for names it does not know and for strings that are not specifiers', () => {
    assert.equal(debianFor('dep:cran/nat'), undefined);
    assert.equal(debianFor('dep:generic/libsomething-nobody-ships'), undefined);
    assert.equal(debianFor('openssl'), undefined);
  });

  it('returns a fresh array each time', () => {
    const a = debianFor('dep:virtual/compiler/rust', 'build')!;
    a.push('x');
    assert.deepEqual(debianFor('dep:virtual/compiler/rust', 'build'), ['rustc', 'cargo']);
  });

  it('names only Debian packages apt-cache knows, none of them transitional or dummy (one apt-cache call)', () => {
    const names = [...new Set(Object.values(DEBIAN_FOR).flatMap((m) => [...m.dev, ...m.run]))].sort();
    const { unknown, transitional } = aptCache(names, 'the PEP 725 mapping');
    assert.deepEqual(unknown, [], 'Debian packages apt-cache does not know');
    assert.deepEqual(transitional, [], 'transitional or dummy Debian packages');
  });
});

describe('debianPackages', () => {
  const ext = parseExternal(
    [
      '[external]',
      'build-requires = ["dep:virtual/compiler/c", "dep:virtual/compiler/rust", "dep:generic/pkg-config"]',
      'host-requires = ["dep:generic/openssl", "dep:generic/libffi", "dep:generic/snappy; sys_platform == \'darwin\'"]',
      'dependencies = ["dep:generic/git", "dep:cargo/ripgrep"]',
    ].join('\n'),
    SRC,
  )!;

  it('builds with build- and host-requires, runs with host-requires and dependencies, and lists what it cannot map', () => {
    assert.deepEqual(debianPackages(ext), {
      build: ['cargo', 'gcc', 'libc6-dev', 'libffi-dev', 'libsnappy-dev', 'libssl-dev', 'pkgconf', 'rustc'],
      runtime: ['git', 'libffi8', 'libsnappy1v5', 'libssl3'],
      unknown: ['dep:cargo/ripgrep'],
    });
  });

  it('leaves out entries whose marker does not hold', () => {
    const linux = debianPackages(ext, (marker) => !marker.includes('darwin'));
    assert.ok(!linux.build.includes('libsnappy-dev'));
    assert.ok(!linux.runtime.includes('libsnappy1v5'));
    assert.ok(linux.build.includes('libssl-dev'));
  });
});
