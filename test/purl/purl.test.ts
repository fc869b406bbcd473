import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../src/errors/index.js';
import { formatPurl, formatSpec, normalizePypiName, parsePurl, parseSpec, type Spec } from '../../src/purl/purl.js';

describe('parseSpec', () => {
  const cases: Array<[string, Spec]> = [
    ['pkg:npm/%40types/node@20.11.0', { type: 'npm', name: '@types/node', range: '20.11.0' }],
    ['pkg:npm/@types/node@20.11.0', { type: 'npm', name: '@types/node', range: '20.11.0' }],
    ['pkg:npm/@types/node', { type: 'npm', name: '@types/node', range: undefined }],
    ['pkg:npm/%40types/node', { type: 'npm', name: '@types/node', range: undefined }],
    ['pkg:npm/express@4.21.2', { type: 'npm', name: 'express', range: '4.21.2' }],
    ['PKG:NPM/express@4.21.2', { type: 'npm', name: 'express', range: '4.21.2' }],
    [
      'pkg:npm/express@4.21.2?repository_url=https://npm.example/r/',
      { type: 'npm', name: 'express', range: '4.21.2', repository: 'https://npm.example/r/' },
    ],
    [
      'pkg:pypi/requests@2.31.0?Repository_URL=https%3A%2F%2Fmirror.example%2Fsimple%2F',
      { type: 'pypi', name: 'requests', range: '2.31.0', repository: 'https://mirror.example/simple/' },
    ],
    [
      'pkg:gem/rack?repository_url=http://127.0.0.1:9292',
      { type: 'gem', name: 'rack', range: undefined, repository: 'http://127.0.0.1:9292' },
    ],
    ['pkg:npm/express@4.21.2?repository_url=', { type: 'npm', name: 'express', range: '4.21.2' }],
    ['pkg:pypi/Foo_Bar@1.0', { type: 'pypi', name: 'foo-bar', range: '1.0' }],
    ['pkg:pypi/requests@2.31.0', { type: 'pypi', name: 'requests', range: '2.31.0' }],
    ['pkg:gem/rack@3.0.8', { type: 'gem', name: 'rack', range: '3.0.8' }],
    ['npm:@types/node@20', { type: 'npm', name: '@types/node', range: '20' }],
    ['npm:@types/node', { type: 'npm', name: '@types/node', range: undefined }],
    ['npm:express@^4', { type: 'npm', name: 'express', range: '^4' }],
    ['npm:express', { type: 'npm', name: 'express', range: undefined }],
    ['gem:rack', { type: 'gem', name: 'rack', range: undefined }],
    ['pypi:Foo_Bar', { type: 'pypi', name: 'foo-bar', range: undefined }],
    ['pypi:Foo.Bar__baz@>=2,<3', { type: 'pypi', name: 'foo-bar-baz', range: '>=2,<3' }],
    ['  pypi:requests@2.31.0  ', { type: 'pypi', name: 'requests', range: '2.31.0' }],
    ['NPM:express@latest', { type: 'npm', name: 'express', range: 'latest' }],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)}`, () => assert.deepEqual(parseSpec(input), want));
  }
});

describe('bad specs are UserError ESPEC naming the input', () => {
  const bad: Array<[string, RegExp]> = [
    ['', /empty spec/],
    ['   ', /empty spec/],
    ['express@4', /missing ecosystem prefix/],
    ['cargo:serde@1', /unknown ecosystem "cargo"/],
    ['pkg:cargo/serde@1.0.0', /unknown purl type "cargo"/],
    ['pkg:npm', /needs a type and a name/],
    ['npm:', /empty package name/],
    ['npm:x@', /empty version after "@"/],
    ['pkg:npm/x@', /empty version after "@"/],
    ['npm:express @4', /spaces are not allowed/],
    ['npm:express@ 4', /spaces are not allowed/],
    ['pkg:npm/x@%E0%A4%A', /bad percent-encoding/],
    ['pkg:npm/%ZZ@1.0.0', /bad percent-encoding/],
    ['npm:..', /is not a valid npm package name/],
    ['npm:.bin', /is not a valid npm package name/],
    ['npm:_private', /is not a valid npm package name/],
    ['npm:@types/..', /is not a valid npm package name/],
    ['npm:@types', /is not a valid npm package name/],
    ['npm:@/node', /is not a valid npm package name/],
    ['npm:a/b', /is not a valid npm package name/],
    ['npm:Ex%press', /is not a valid npm package name/],
    [`npm:${'a'.repeat(215)}`, /is not a valid npm package name/],
    ['pypi:-foo', /is not a valid pypi package name/],
    ['pypi:foo.', /is not a valid pypi package name/],
    ['gem:.hidden', /is not a valid gem package name/],
    ['pkg:pypi/a/b@1.0', /too many path segments/],
    ['pkg:npm/@a/b/c@1.0.0', /too many path segments/],
    ['pkg:npm/@x@1', /is not a valid npm package name/],
    ['pkg:npm/express@4.21.2?arch=x64#lib', /a subpath \("#lib"\) names a part of a package; bale builds whole packages, drop it/],
    [
      'pkg:npm/express@4.21.2?arch=x64',
      /unsupported qualifier "arch" \(bale reads repository_url for npm, pypi and gem purls, arch and distro for deb purls\)/,
    ],
    ['pkg:pypi/requests@2.31.0?checksum=sha256:00', /unsupported qualifier "checksum"/],
    ['pkg:gem/rack?repository_url=file:///srv/gems', /repository_url "file:\/\/\/srv\/gems" is not an http\(s\) URL/],
    ['pkg:npm/x@1.0.0?repository_url=nope', /repository_url "nope" is not a URL/],
    ['pkg:npm/x@1.0.0?repository_url=http://a/&repository_url=http://b/', /qualifier "repository_url" given twice/],
    ['pkg:deb/debian/libc6@2.36-9?repository_url=http://a/', /unsupported qualifier "repository_url"/],
  ];
  for (const [input, why] of bad) {
    it(`${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}...` : input)}`, () => {
      assert.throws(
        () => parseSpec(input),
        (err: unknown) => {
          assert.ok(err instanceof UserError);
          assert.equal(err.code, 'ESPEC');
          assert.ok(err.message.startsWith(`invalid package spec ${JSON.stringify(input)}: `), err.message);
          assert.match(err.message, why);
          assert.ok(!err.message.includes('\n'));
          return true;
        },
      );
    });
  }
});

describe('parsePurl', () => {
  it('refuses a repository_url: a pinned purl names a package, its recipe says where the files are', () => {
    assert.throws(() => parsePurl('pkg:npm/express@4.21.2?repository_url=https://npm.example/'), {
      code: 'ESPEC',
      message: /a pinned purl takes no repository_url/,
    });
  });
  it('requires a version', () => {
    assert.throws(() => parsePurl('npm:express'), { code: 'ESPEC', message: /needs an exact version/ });
    assert.throws(() => parsePurl('pkg:npm/%40types/node'), { code: 'ESPEC' });
  });

  it('returns the version as written', () => {
    assert.deepEqual(parsePurl('pkg:npm/%40types/node@20.11.0'), { type: 'npm', name: '@types/node', version: '20.11.0' });
    assert.deepEqual(parsePurl('pkg:pypi/foo@1.0%2Blocal'), { type: 'pypi', name: 'foo', version: '1.0+local' });
  });
});

describe('formatPurl', () => {
  const cases: Array<[string, string]> = [
    ['pkg:npm/%40types/node@20.11.0', 'pkg:npm/%40types/node@20.11.0'],
    ['pkg:npm/@types/node@20.11.0', 'pkg:npm/%40types/node@20.11.0'],
    ['npm:@types/node@20.11.0', 'pkg:npm/%40types/node@20.11.0'],
    ['npm:express@4.21.2', 'pkg:npm/express@4.21.2'],
    ['pypi:Foo_Bar@1.0', 'pkg:pypi/foo-bar@1.0'],
    ['pkg:pypi/foo@1.0%2Blocal', 'pkg:pypi/foo@1.0%2Blocal'],
    ['pkg:pypi/foo@1!2.0', 'pkg:pypi/foo@1!2.0'],
    ['gem:rack@3.0.8', 'pkg:gem/rack@3.0.8'],
    ['gem:Rack_Pro@1.0', 'pkg:gem/Rack_Pro@1.0'],
  ];
  for (const [input, want] of cases) {
    it(`${input} -> ${want}`, () => assert.equal(formatPurl(parsePurl(input)), want));
  }

  it('round trips: canonical text parses back to itself', () => {
    for (const [, canonical] of cases) assert.equal(formatPurl(parsePurl(canonical)), canonical);
  });

  it('normalises pypi names even when given a raw one', () => {
    assert.equal(formatPurl({ type: 'pypi', name: 'Foo__Bar.baz', version: '1' }), 'pkg:pypi/foo-bar-baz@1');
  });
});

describe('normalizePypiName and formatSpec', () => {
  const names: Array<[string, string]> = [
    ['Foo_Bar', 'foo-bar'],
    ['foo.bar', 'foo-bar'],
    ['FOO--_.bar', 'foo-bar'],
    ['requests', 'requests'],
  ];
  for (const [input, want] of names) it(`${input} -> ${want}`, () => assert.equal(normalizePypiName(input), want));

  it('formatSpec round trips the shorthand', () => {
    for (const s of ['npm:express@^4', 'npm:@types/node', 'gem:rack', 'pypi:requests@2.31.0']) {
      assert.equal(formatSpec(parseSpec(s)), s);
    }
  });
});
