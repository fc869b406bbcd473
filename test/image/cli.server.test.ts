/**
 * Images as a user makes them, with the real tools: `bale keygen`, `bale image compose` of specs
 * served by the npm fixture registry (built when missing, every package signed), `bale image
 * export` as an OCI layout that umoci and skopeo read, byte-identical twice, signatures that
 * minisign verifies; and the refusals: conflicts, unsigned or tampered packages, unknown keys.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { bale, oneErrorLine, tempDir } from '../helpers/cli.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';

interface Composed {
  image: string;
  signature: string | null;
  packages: { name: string; version: string; sha256: string }[];
}

describe('bale image compose/export (npm fixtures, real umoci, skopeo, minisign)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let registry: FixtureRegistry;
  const dir = (x: string): string => path.join(t.dir, x);
  const env = (): Record<string, string> => ({ XDG_CONFIG_HOME: dir('config'), BALE_SIGNING_KEY: dir('me.key') });
  const run = (args: string[], extraEnv: Record<string, string> = {}) =>
    bale([...args, '--registry', registry.url, '--store', dir('s'), '--recipes', dir('r')], { env: { ...env(), ...extraEnv } });
  let composed: Composed;

  before(async () => {
    t = await tempDir('image');
    registry = await startNpmRegistry();
    const k = await bale(['keygen', '--out', dir('me')]);
    assert.equal(k.code, 0, k.stderr);
    const c = await run([
      'image',
      'compose',
      'npm:fx-app@1.0.0',
      'npm:fx-bin@1.0.0',
      '--name',
      'app',
      '--tag',
      '1',
      '-o',
      dir('app.image.toml'),
      '--json',
    ]);
    assert.equal(c.code, 0, c.stderr);
    composed = JSON.parse(c.stdout) as Composed;
  });
  after(async () => {
    await registry.close();
    await t.cleanup();
  });

  test('compose: the closure with -bin only for what was asked, sorted, signed; minisign verifies image and packages', async () => {
    const names = composed.packages.map((p) => p.name);
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes('node-fx-app') && names.includes('node-fx-bin-bin'), names.join(' '));
    assert.ok(names.includes('node-fx-left'), 'a dependency came in through the manifests');
    assert.ok(!names.includes('node-fx-left-bin'), 'no -bin for dependencies');
    await execa('minisign', ['-Vm', composed.image, '-p', dir('me.pub')]);
    for (const p of composed.packages) {
      const file = path.join(dir('s'), 'packages', `${p.name}-${p.version}-${p.sha256.slice(0, 12)}.tar.gz`);
      await execa('minisign', ['-Vm', file, '-p', dir('me.pub')]);
    }
  });

  test('export: an OCI layout umoci unpacks and skopeo reads, the same digests twice; a rootfs and an SBOM beside', async () => {
    const digests: string[] = [];
    for (const n of [1, 2]) {
      const r = await run(['image', 'export', dir('app.image.toml'), '--oci', dir(`oci${n}`), '--json']);
      assert.equal(r.code, 0, r.stderr);
      digests.push((JSON.parse(r.stdout) as { oci: { manifestDigest: string } }).oci.manifestDigest);
    }
    assert.equal(digests[0], digests[1]);
    const raw = await execa('skopeo', ['inspect', '--raw', `oci:${dir('oci1')}:1`]);
    assert.equal(`sha256:${(await import('node:crypto')).createHash('sha256').update(raw.stdout).digest('hex')}`, digests[0]);
    assert.equal((JSON.parse(raw.stdout) as { layers: unknown[] }).layers.length, composed.packages.length, 'one layer per package');
    await execa('umoci', ['unpack', '--rootless', '--image', `${dir('oci1')}:1`, dir('bundle')]);
    const loaded = await execa('node', ['-e', "console.log(require('fx-app') !== undefined)"], {
      cwd: path.join(dir('bundle'), 'rootfs/usr/lib'),
      env: { NODE_PATH: path.join(dir('bundle'), 'rootfs/usr/lib/node_modules') },
    });
    assert.equal(loaded.stdout.trim(), 'true');
    const rootfs = await run(['image', 'export', dir('app.image.toml'), '--rootfs', dir('app.tar')]);
    assert.equal(rootfs.code, 0, rootfs.stderr);
    const listing = (await execa('tar', ['-tf', dir('app.tar')])).stdout.split('\n');
    assert.ok(listing.includes('usr/bin/fx-bin'), 'the executable is in the rootfs');
    const sbom = JSON.parse(await readFile(`${dir('oci1')}.spdx.json`, 'utf8')) as { spdxVersion: string; packages: unknown[] };
    assert.equal(sbom.spdxVersion, 'SPDX-2.3');
    assert.equal(sbom.packages.length, composed.packages.length);
  });

  test('two packages owning one file: compose names the path and both packages, writes nothing', async () => {
    const r = await run([
      'image',
      'compose',
      'npm:fx-bin@1.0.0',
      'npm:fx-bin-clash@1.0.0',
      '--name',
      'clash',
      '--tag',
      '1',
      '-o',
      dir('clash.image.toml'),
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneErrorLine(r.stderr), /conflict: node-fx-bin-bin 1\.0\.0 and node-fx-bin-clash-bin 1\.0\.0 both own usr\/bin\/fx-bin/);
    await assert.rejects(readFile(dir('clash.image.toml')));
  });

  test('compose without a signing key stops before building anything', async () => {
    const r = await run(['image', 'compose', 'npm:fx-shared@1.0.0', '--name', 'x', '--tag', '1', '-o', dir('x.image.toml')], {
      BALE_SIGNING_KEY: '',
    });
    assert.equal(r.code, 1);
    assert.match(
      oneErrorLine(r.stderr),
      /bale image compose needs a signing key: pass --key FILE or set BALE_SIGNING_KEY \(create one with bale keygen/,
    );
  });

  test('export refuses a tampered package, an unsigned one, and an image signed by an unknown key', async () => {
    const victim = composed.packages.find((p) => p.name === 'node-fx-left')!;
    const file = path.join(dir('s'), 'packages', `${victim.name}-${victim.version}-${victim.sha256.slice(0, 12)}.tar.gz`);
    const sig = await readFile(`${file}.minisig`, 'utf8');
    // A signature from another key: the package is fine, the key is not trusted.
    await bale(['keygen', '--out', dir('other')]);
    await execa('cp', [dir('app.image.toml'), dir('copy.image.toml')]);
    const s = await bale(['sign', dir('copy.image.toml'), '--key', dir('other.key')]);
    assert.equal(s.code, 0, s.stderr);
    const unknown = await run(['image', 'export', dir('copy.image.toml'), '--oci', dir('oci-x')]);
    assert.equal(unknown.code, 1);
    assert.match(oneErrorLine(unknown.stderr), /copy\.image\.toml.*signed by key [0-9A-F]{16}, which is not trusted/);
    // A flipped bit in the signed package's signature line.
    const lines = sig.split('\n');
    lines[1] = lines[1]!.slice(0, 20) + (lines[1]![20] === 'A' ? 'B' : 'A') + lines[1]!.slice(21);
    await writeFile(`${file}.minisig`, lines.join('\n'));
    const tampered = await run(['image', 'export', dir('app.image.toml'), '--oci', dir('oci-t')]);
    assert.equal(tampered.code, 1);
    assert.match(oneErrorLine(tampered.stderr), new RegExp(`${victim.name}-${victim.version}.*signature`));
    // No signature at all.
    await execa('rm', [`${file}.minisig`]);
    const unsigned = await run(['image', 'export', dir('app.image.toml'), '--oci', dir('oci-u')]);
    assert.equal(unsigned.code, 1);
    assert.match(oneErrorLine(unsigned.stderr), /no signature/);
    await writeFile(`${file}.minisig`, sig);
    const ok = await run(['image', 'export', dir('app.image.toml'), '--oci', dir('oci-ok')]);
    assert.equal(ok.code, 0, ok.stderr);
  });
});
