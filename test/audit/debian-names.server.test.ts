/**
 * Debian's advisories name source packages: zlib1g is matched as zlib, libc6 as glibc, through the
 * host apt's lists (what bale's Debian importer resolves against; .ci/run runs apt-get update). The
 * end-to-end case fails if the audit matched by binary name.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { debAdvisoryNames } from '../../importers/debian/advisory-names.js';
import { formatImageFile } from '../../src/image/image-file.js';
import { bale, tempDir } from '../helpers/cli.js';

/** The version apt would install now, or a failure saying what the machine lacks. */
function candidate(name: string): string {
  const out = execFileSync('apt-cache', ['show', '--no-all-versions', name], {
    encoding: 'utf8',
    env: { LC_ALL: 'C', PATH: process.env.PATH },
  });
  const v = /^Version: (\S+)$/m.exec(out)?.[1];
  assert.ok(v !== undefined, `apt lists no ${name}: run apt-get update (bookworm sources)`);
  return v;
}

describe('Debian advisory names: source packages, from apt', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    t = await tempDir('audit-deb');
  });
  after(async () => {
    await t.cleanup();
  });

  test("zlib1g is zlib, libc6 is glibc; a version apt no longer lists keeps its name's source; an unknown package is said once", async () => {
    const zlib = candidate('zlib1g');
    const libc = candidate('libc6');
    const warnings: string[] = [];
    const names = await debAdvisoryNames(
      [
        { name: 'zlib1g', version: zlib },
        { name: 'libc6', version: libc },
        { name: 'zlib1g', version: '1:1.2.13.dfsg-0bale1' },
        { name: 'no-such-package-bale', version: '1.0-1' },
      ],
      (l) => warnings.push(l),
    );
    assert.deepEqual(names.get(`zlib1g@${zlib}`), { name: 'zlib', version: zlib });
    assert.equal(names.get(`libc6@${libc}`)?.name, 'glibc');
    assert.deepEqual(names.get('zlib1g@1:1.2.13.dfsg-0bale1'), { name: 'zlib', version: '1:1.2.13.dfsg-0bale1' });
    assert.equal(names.has('no-such-package-bale@1.0-1'), false);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /apt lists no no-such-package-bale@1\.0-1: matched .* by their binary names/);
  });

  test('bale audit finds a Debian:12 record for zlib in an image holding zlib1g, and says what it matched', async () => {
    const zlib = candidate('zlib1g');
    const dir = (x: string): string => path.join(t.dir, x);
    await mkdir(dir('osv'), { recursive: true });
    // A record written from the schema as Debian's are (source package, Debian:12), affecting everything below a later revision.
    await writeFile(
      dir('osv/DEBIAN-BALE-ZLIB.json'),
      JSON.stringify({
        id: 'DEBIAN-BALE-ZLIB',
        aliases: ['CVE-0000-0001'],
        affected: [
          {
            package: { ecosystem: 'Debian:12', name: 'zlib' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `${zlib}+bale1` }] }],
          },
        ],
      }),
    );
    const hex = (n: number): string => n.toString(16).padStart(64, '0');
    await writeFile(
      dir('base.image.toml'),
      formatImageFile({
        format: 1,
        name: 'base',
        tag: '1',
        packages: [
          { name: 'deb-zlib1g', version: zlib, sha256: hex(1), size: 100, tar_sha256: hex(2), purl: `pkg:deb/debian/zlib1g@${zlib}` },
        ],
      }),
    );
    const r = await bale(['audit', '--osv', dir('osv'), dir('base.image.toml'), '--json']);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout) as {
      images: { findings: { package: string; advisory: string; matched_as: string | null; fixed: string }[] }[];
    };
    const f = j.images[0]!.findings;
    assert.equal(f.length, 1, r.stdout);
    assert.equal(f[0]!.package, 'deb-zlib1g');
    assert.equal(f[0]!.advisory, 'DEBIAN-BALE-ZLIB');
    assert.equal(f[0]!.matched_as, `zlib ${zlib}`);
    assert.equal(f[0]!.fixed, `${zlib}+bale1`);
  });
});
