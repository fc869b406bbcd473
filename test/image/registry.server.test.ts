/**
 * Images through a real registry (CNCF distribution from Debian, on loopback): `bale push`, then
 * skopeo reads the image; `bale pull --verify` into an empty store gives the same packages and
 * image file; `bale who-uses` finds every image holding a package; and the refusals: an untrusted
 * signer, an unknown tag, a blob tampered with in the registry's storage.
 */
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { bale, oneErrorLine, tempDir, composeArgs } from '../helpers/cli.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startOciRegistry, type OciRegistry } from '../helpers/oci-registry.js';

interface Pulled {
  image: string;
  digest: string;
  verified: boolean;
  packages: { name: string; version: string; sha256: string; file: string }[];
}

describe('bale push / pull / who-uses (real docker-registry, skopeo)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let npm: FixtureRegistry;
  let oci: OciRegistry;
  const dir = (x: string): string => path.join(t.dir, x);
  const env = { XDG_CONFIG_HOME: path.join('/nonexistent-bale-config'), BALE_SIGNING_KEY: '' };
  const run = (args: string[], extra: Record<string, string> = {}) =>
    bale(args, { env: { ...env, BALE_SIGNING_KEY: dir('me.key'), XDG_CONFIG_HOME: dir('config'), ...extra } });
  const ns = (): string => `${oci.url}/bale`;
  let pushedDigest: string;

  before(async () => {
    t = await tempDir('push');
    npm = await startNpmRegistry();
    oci = await startOciRegistry();
    assert.equal((await bale(['keygen', '--out', dir('me')])).code, 0);
    for (const [name, specs] of [
      ['app', ['npm:fx-app@1.0.0']],
      ['tool', ['npm:fx-bin@1.0.0', 'npm:fx-left@1.0.0']],
    ] as const) {
      const c = await run(
        composeArgs({ specs, name, tag: '1', out: dir(`${name}.image.toml`), registry: npm.url, store: dir('s'), recipes: dir('r') }),
      );
      assert.equal(c.code, 0, c.stderr);
    }
  });
  after(async () => {
    await oci.stop();
    await npm.close();
    await t.cleanup();
  });

  test('push: skopeo reads the image; its digest is the one bale image export writes', async () => {
    const p = await run(['push', dir('app.image.toml'), '--to', ns(), '--store', dir('s'), '--json']);
    assert.equal(p.code, 0, p.stderr);
    pushedDigest = (JSON.parse(p.stdout) as { digest: string }).digest;
    const host = oci.url.replace('oci://', '');
    const inspected = JSON.parse((await execa('skopeo', ['inspect', '--tls-verify=false', `docker://${host}/bale/app:1`])).stdout) as {
      Digest: string;
      Layers: string[];
    };
    assert.equal(inspected.Digest, pushedDigest);
    const e = await run(['image', 'export', dir('app.image.toml'), '--oci', dir('oci'), '--store', dir('s'), '--json']);
    assert.equal((JSON.parse(e.stdout) as { oci: { manifestDigest: string } }).oci.manifestDigest, pushedDigest);
    const again = await run(['push', dir('app.image.toml'), '--to', ns(), '--store', dir('s'), '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { digest: string }).digest, pushedDigest);
    const tool = await run(['push', dir('tool.image.toml'), '--to', ns(), '--store', dir('s')]);
    assert.equal(tool.code, 0, tool.stderr);
  });

  test('pull --verify into an empty store: the same packages, bytes and image file', async () => {
    const r = await run(['pull', `${ns()}/app:1`, '--verify', '--store', dir('s2'), '-o', dir('pulled.image.toml'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const pulled = JSON.parse(r.stdout) as Pulled;
    assert.equal(pulled.digest, pushedDigest);
    assert.equal(pulled.verified, true);
    assert.equal(await readFile(dir('pulled.image.toml'), 'utf8'), await readFile(dir('app.image.toml'), 'utf8'));
    for (const p of pulled.packages) {
      const original = path.join(dir('s'), 'packages', path.basename(p.file));
      assert.ok((await readFile(original)).equals(await readFile(p.file)), p.name);
      await execa('minisign', ['-Vm', p.file, '-p', dir('me.pub')]);
    }
    // The pulled image exports like the original.
    const e = await run(['image', 'export', dir('pulled.image.toml'), '--oci', dir('oci2'), '--store', dir('s2'), '--json']);
    assert.equal(e.code, 0, e.stderr);
    assert.equal((JSON.parse(e.stdout) as { oci: { manifestDigest: string } }).oci.manifestDigest, pushedDigest);
  });

  test('who-uses: by purl and by package name, across images', async () => {
    const byPurl = await run(['who-uses', 'pkg:npm/fx-left@1.0.0', '--registry', ns(), '--json']);
    assert.equal(byPurl.code, 0, byPurl.stderr);
    const uses = (JSON.parse(byPurl.stdout) as { uses: { image: string; package: string }[] }).uses.map(
      (u) => `${u.image.replace(/^[^/]+\//, '')} ${u.package}`,
    );
    // fx-left is a dependency in app (its package) and asked for in tool (its package and its -bin).
    assert.deepEqual(uses, ['bale/app:1 node-fx-left', 'bale/tool:1 node-fx-left', 'bale/tool:1 node-fx-left-bin']);
    const byName = await run(['who-uses', 'node-fx-bin-bin', '--registry', ns(), '--json']);
    assert.deepEqual(
      (JSON.parse(byName.stdout) as { uses: { image: string }[] }).uses.map((u) => u.image.replace(/^[^/]+\//, '')),
      ['bale/tool:1'],
    );
    const none = await run(['who-uses', 'pkg:npm/fx-scripted@1.0.0', '--registry', ns()]);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /no image under .* holds pkg:npm\/fx-scripted@1\.0\.0/);
  });

  test('pull --verify refuses an image signed by a key not trusted here', async () => {
    assert.equal((await bale(['keygen', '--out', dir('stranger')])).code, 0);
    const r = await run(['pull', `${ns()}/app:1`, '--verify', '--store', dir('s3'), '-o', dir('x.image.toml')], {
      BALE_SIGNING_KEY: dir('stranger.key'),
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneErrorLine(r.stderr), /bale\/app:1 image file: signed by key [0-9A-F]{16}, which is not trusted/);
    await assert.rejects(readdir(path.join(dir('s3'), 'packages')));
  });

  test('push --no-verify: unsigned packages go without signatures (pull --verify refuses them); an unsigned image is one line', async () => {
    const unsigned = { BALE_SIGNING_KEY: '' };
    const c = await run(
      [
        'image',
        'compose',
        'npm:fx-app@1.0.0',
        '--unsigned',
        '--name',
        'bare',
        '--tag',
        '1',
        '-o',
        dir('bare.image.toml'),
        '--registry',
        npm.url,
        '--store',
        dir('u'),
        '--recipes',
        dir('r'),
      ],
      unsigned,
    );
    assert.equal(c.code, 0, c.stderr);
    // A namespace of its own: the same packages pushed signed elsewhere would bring their signatures.
    const to = `${oci.url}/nosig`;
    const image = await run(['push', dir('bare.image.toml'), '--to', to, '--store', dir('u'), '--no-verify'], unsigned);
    assert.equal(image.code, 1, image.stderr);
    assert.match(oneErrorLine(image.stderr), /bare\.image\.toml: no signature \(\S+bare\.image\.toml\.minisig\): sign it with bale sign/);
    assert.equal((await run(['sign', dir('bare.image.toml')])).code, 0);
    const p = await run(['push', dir('bare.image.toml'), '--to', to, '--store', dir('u'), '--no-verify'], unsigned);
    assert.equal(p.code, 0, p.stderr);
    const pulled = await run(['pull', `${to}/bare:1`, '--store', dir('u2'), '-o', dir('bare-pulled.image.toml'), '--json']);
    assert.equal(pulled.code, 0, pulled.stderr);
    for (const pkg of (JSON.parse(pulled.stdout) as Pulled).packages)
      await assert.rejects(readFile(`${pkg.file}.minisig`), { code: 'ENOENT' });
    const verified = await run(['pull', `${to}/bare:1`, '--verify', '--store', dir('u3'), '-o', dir('bare-verified.image.toml')]);
    assert.equal(verified.code, 1, verified.stderr);
    assert.match(oneErrorLine(verified.stderr), /no signature attached: it cannot be verified/);
  });

  test('an unknown tag and a blob tampered with in the registry: one line each', async () => {
    const missing = await run(['pull', `${ns()}/app:nope`, '--store', dir('s4')]);
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(oneErrorLine(missing.stderr), /bale\/app.*nope.*not found/i);
    // Corrupt one package blob where the registry stores it, then pull into an empty store.
    const pulled = JSON.parse(
      (await run(['pull', `${ns()}/app:1`, '--store', dir('s5'), '-o', dir('y.image.toml'), '--json'])).stdout,
    ) as Pulled;
    const victim = pulled.packages.find((p) => p.name === 'node-fx-left')!;
    const blob = path.join(oci.storageDir, 'docker/registry/v2/blobs/sha256', victim.sha256.slice(0, 2), victim.sha256, 'data');
    const bytes = await readFile(blob);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    await writeFile(blob, bytes);
    const r = await run(['pull', `${ns()}/app:1`, '--store', dir('s6'), '-o', dir('z.image.toml')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneErrorLine(r.stderr), new RegExp(victim.sha256.slice(0, 12)));
  });
});
