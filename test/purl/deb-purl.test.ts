/** Debian purls: `pkg:deb/debian/<name>@<version>`, the vendor namespace required, the arch left out. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPurl, parsePurl, parseSpec } from '../../src/purl/purl.js';
import { purlProblem } from '../../src/recipe/schema.js';

describe('deb specs and purls', () => {
  const parse: Array<[string, { name: string; range: string | undefined }]> = [
    ['deb:libc6', { name: 'libc6', range: undefined }],
    ['deb:libc6@2.36-9+deb12u10', { name: 'libc6', range: '2.36-9+deb12u10' }],
    ['deb:zlib1g@1:1.2.13.dfsg-1', { name: 'zlib1g', range: '1:1.2.13.dfsg-1' }],
    ['deb:libstdc++6', { name: 'libstdc++6', range: undefined }],
    ['pkg:deb/debian/libc6@2.36-9+deb12u10?arch=amd64', { name: 'libc6', range: '2.36-9+deb12u10' }],
    ['pkg:deb/debian/libc6@2.36-9%2Bdeb12u10', { name: 'libc6', range: '2.36-9+deb12u10' }],
    ['pkg:deb/Debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=bookworm', { name: 'tzdata', range: '2024a-0+deb12u1' }],
    ['pkg:deb/debian/libstdc%2B%2B6@12.2.0-14', { name: 'libstdc++6', range: '12.2.0-14' }],
  ];
  for (const [input, want] of parse) it(`parses ${input}`, () => assert.deepEqual(parseSpec(input), { type: 'deb', ...want }));

  const canonical: Array<[string, string]> = [
    ['deb:libc6@2.36-9+deb12u10', 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u10'],
    ['pkg:deb/debian/libc6@2.36-9+deb12u10?arch=amd64', 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u10'],
    ['deb:zlib1g@1:1.2.13.dfsg-1', 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1'],
    ['deb:libstdc++6@12.2.0-14', 'pkg:deb/debian/libstdc%2B%2B6@12.2.0-14'],
    ['deb:openssl@3.0.22-1~deb12u2', 'pkg:deb/debian/openssl@3.0.22-1~deb12u2'],
  ];
  for (const [input, want] of canonical) {
    it(`formats ${input} as ${want}, which round trips and is a valid recipe purl`, () => {
      assert.equal(formatPurl(parsePurl(input)), want);
      assert.equal(formatPurl(parsePurl(want)), want);
      assert.equal(purlProblem(want), undefined);
    });
  }

  const bad: Array<[string, RegExp]> = [
    ['pkg:deb/libc6@2.36-9', /a Debian purl is pkg:deb\/debian\/<name>@<version>/],
    ['pkg:deb/ubuntu/libc6@2.35-0ubuntu3', /a Debian purl is pkg:deb\/debian/],
    ['pkg:deb/debian/x/libc6@1', /a Debian purl is pkg:deb\/debian/],
    ['pkg:deb/debian/libc6@2.36-9?arch=arm64', /for amd64 \(or all\), not arm64/],
    ['deb:LibC6', /"LibC6" is not a valid deb package name/],
    ['deb:a', /"a" is not a valid deb package name/],
    ['deb:_x', /is not a valid deb package name/],
  ];
  for (const [input, why] of bad) it(`refuses ${input}`, () => assert.throws(() => parseSpec(input), { code: 'ESPEC', message: why }));

  it('recipe purls take Debian versions (epoch, tilde) and refuse what is not one', () => {
    assert.equal(purlProblem('pkg:deb/debian/x11-common@1:7.7%2B23'), undefined);
    assert.match(purlProblem('pkg:deb/debian/libc6@2.36-') ?? '', /not an exact version/);
    assert.match(purlProblem('pkg:deb/debian/libc6@%3E%3D2') ?? '', /not an exact version/);
    assert.match(purlProblem('pkg:npm/x@1:2.0') ?? '', /not an exact version/, 'other ecosystems unchanged');
    assert.match(
      purlProblem('pkg:deb/debian/libc6@2.36-9+deb12u10') ?? '',
      /not canonical, write "pkg:deb\/debian\/libc6@2.36-9%2Bdeb12u10"/,
    );
  });
});
