/** Relationship fields, and which member of apt's solution satisfies each dependency. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRelations, parseStanzas, satisfier, type PackageStanza } from '../../../importers/debian/control.js';
import { dependenciesOf } from '../../../importers/debian/to-recipe.js';

const APT_SHOW = `Package: libgcc-s1
Source: gcc-12
Version: 12.2.0-14+deb12u1
Architecture: amd64
Provides: libgcc1 (= 1:12.2.0-14+deb12u1)
Depends: gcc-12-base (= 12.2.0-14+deb12u1), libc6 (>= 2.35)
Description: GCC support library
 continued description

Package: ca-certificates
Version: 20230311+deb12u1
Architecture: all
Depends: openssl (>= 1.1.1), debconf (>= 0.5) | debconf-2.0
Pre-Depends: dpkg:any (>= 1.17)

Package: cdebconf
Version: 0.270
Architecture: amd64
Provides: debconf-2.0
`;

const set = (...ps: PackageStanza[]): Map<string, PackageStanza> => new Map(ps.map((p) => [p.name, p]));
const pkg = (name: string, version: string, extra: Partial<PackageStanza> = {}): PackageStanza => ({
  name,
  version,
  architecture: 'amd64',
  depends: [],
  provides: [],
  source: { name, version },
  ...extra,
});

describe('parseStanzas and parseRelations', () => {
  it('reads apt-cache show output: Pre-Depends first, arch qualifiers dropped, versioned Provides', () => {
    const [gcc, ca, cdebconf] = parseStanzas(APT_SHOW);
    assert.deepEqual(gcc!.provides, [{ name: 'libgcc1', op: '=', version: '1:12.2.0-14+deb12u1' }]);
    assert.deepEqual(gcc!.depends, [
      [{ name: 'gcc-12-base', op: '=', version: '12.2.0-14+deb12u1' }],
      [{ name: 'libc6', op: '>=', version: '2.35' }],
    ]);
    assert.deepEqual(ca!.depends, [
      [{ name: 'dpkg', op: '>=', version: '1.17' }],
      [{ name: 'openssl', op: '>=', version: '1.1.1' }],
      [{ name: 'debconf', op: '>=', version: '0.5' }, { name: 'debconf-2.0' }],
    ]);
    assert.equal(ca!.architecture, 'all');
    assert.deepEqual(cdebconf!.provides, [{ name: 'debconf-2.0' }]);
  });

  it('refuses what it cannot read, naming it', () => {
    assert.throws(() => parseRelations('libc6 (>= 2.34', 'hello 2.10-3'), /hello 2\.10-3: cannot read the relation "libc6 \(>= 2\.34"/);
  });
});

describe("satisfier: the package of apt's solution behind each dependency", () => {
  const libc = pkg('libc6', '2.36-9');
  it('the first alternative in the set at a fitting version', () => {
    const alts = parseRelations('libc6 (>= 2.37) | libc6.1, libc6 (>= 2.34)', 'x');
    assert.equal(satisfier(alts[0]!, set(libc)), undefined, 'too old, and no libc6.1');
    assert.equal(satisfier(alts[1]!, set(libc))?.name, 'libc6');
  });
  it('a later alternative when apt chose it', () => {
    const [alts] = parseRelations('debconf (>= 0.5) | debconf-2.0', 'x');
    const cdebconf = pkg('cdebconf', '0.270', { provides: [{ name: 'debconf-2.0' }] });
    assert.equal(satisfier(alts!, set(cdebconf, libc))?.name, 'cdebconf');
    assert.equal(satisfier(alts!, set(cdebconf, pkg('debconf', '1.5.82')))?.name, 'debconf', 'the first alternative wins when present');
  });
  it('a versioned dependency on a virtual package needs a versioned Provides', () => {
    const [alts] = parseRelations('libgcc1 (>= 1:4.2)', 'x');
    assert.equal(
      satisfier(alts!, set(pkg('libgcc-s1', '12', { provides: [{ name: 'libgcc1', op: '=', version: '1:12.2.0' }] })))?.name,
      'libgcc-s1',
    );
    assert.equal(satisfier(alts!, set(pkg('libgcc-s1', '12', { provides: [{ name: 'libgcc1' }] }))), undefined);
  });
  it('dependencies become purls, self-provides skipped, an unsatisfied one is an error naming it', () => {
    const hello = pkg('hello', '2.10-3', { depends: parseRelations('libc6 (>= 2.34)', 'x') });
    assert.deepEqual(dependenciesOf(hello, set(hello, libc)), [{ name: 'libc6', purl: 'pkg:deb/debian/libc6@2.36-9', kind: 'runtime' }]);
    assert.throws(() => dependenciesOf(hello, set(hello)), {
      code: 'EAPT',
      message: /hello 2\.10-3's dependency "libc6 \(>= 2\.34\)" unsatisfied/,
    });
  });
});
