/**
 * The N-of-M policy end to end (issue 13, part 4), with real parts: a real docker-registry, keys
 * from `bale keygen`, builder A composing and pushing an image of fixture npm packages with its
 * key, builder B rebuilding it (`bale rebuild --push`). `bale pull --require 2` refuses in one
 * line and leaves the store as it was while only A attests, even with a forged, an untrusted and
 * an other-build-key envelope attached; passes once B attested; `verify --require` works offline
 * from the bundles a pull keeps; a trusted builder attesting other bytes for the same build key
 * is named with both digests; `bale attestations --json` hands out envelopes an independent DSSE
 * check (Python's cryptography) verifies.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { attestBuild, bundleFileFor, formatEnvelope, readBundle, readStatement, type BuildClaim } from '../../src/attest/index.js';
import { parseImageFile } from '../../src/image/image-file.js';
import type { ImagePackage } from '../../src/image/types.js';
import { MediaType, packagesRepo, packageTag } from '../../src/oci/index.js';
import { parseRegistryUrl, RegistryClient } from '../../src/registry/index.js';
import { keyIdHex, loadSecretKey, type SecretKey } from '../../src/sign/index.js';
import { packageFiles, packageStem } from '../../src/store/index.js';
import { attachAttestation } from '../../src/store/package-artifacts.js';
import { python } from '../attest/python-dsse.js';
import { bale, listFiles, oneErrorLine, tempDir } from '../helpers/cli.js';
import { startCountingProxy } from '../helpers/counting-proxy.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startOciRegistry, type OciRegistry } from '../helpers/oci-registry.js';

/** Checks every signature of an envelope against `keyid=pubfile` pairs, from the DSSE spec alone. */
const DSSE_PY = String.raw`
import base64, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
keys = {}
for arg in sys.argv[2:]:
    blob = base64.b64decode(open(arg).read().splitlines()[1], validate=True)
    keys[blob[2:10][::-1].hex().upper()] = Ed25519PublicKey.from_public_bytes(blob[10:42])
def b64(s):
    s = s.replace('-', '+').replace('_', '/')
    return base64.b64decode(s + '=' * (-len(s) % 4), validate=True)
for env in json.load(open(sys.argv[1])):
    body = b64(env['payload'])
    t = env['payloadType'].encode()
    pae = b'DSSEv1 %d %s %d %s' % (len(t), t, len(body), body)
    for s in env['signatures']:
        keys[s['keyid']].verify(b64(s['sig']), pae)
        print('OK', s['keyid'], json.loads(body)['subject'][0]['digest']['sha256'])
`;

interface Listing {
  packages: {
    name: string;
    version: string;
    sha256: string;
    build_key: string | null;
    attestations: {
      signatures: { keyid: string; trusted: boolean; valid: boolean | null }[];
      subject: { sha256: string } | null;
      build_key: string | null;
      relation: string;
      envelope: { payloadType: string; payload: string; signatures: { keyid: string; sig: string }[] } | null;
    }[];
  }[];
}

describe('--require N and bale attestations (real docker-registry, two builders)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let npm: FixtureRegistry;
  let oci: OciRegistry;
  const dir = (x: string): string => path.join(t.dir, x);
  const run = (args: string[]) => bale(args, { env: { XDG_CONFIG_HOME: dir('config'), BALE_SIGNING_KEY: '' } });
  const ref = (): string => `${oci.url}/bale/app:1`;
  const trustAB = (): string[] => ['--trust', dir('a.pub'), '--trust', dir('b.pub')];
  const ids: Record<string, string> = {};
  const secret: Record<string, SecretKey> = {};
  let packages: ImagePackage[];

  /** Sign `claim` with builder `who` and attach it to package `p` in the registry. */
  async function attach(p: ImagePackage, env: ReturnType<typeof attestBuild>): Promise<void> {
    const client = new RegistryClient(parseRegistryUrl(`${oci.url}/bale`).registry);
    try {
      const repo = packagesRepo('bale');
      const art = await client.findManifest(repo, packageTag(p), [MediaType.ociManifest]);
      assert.ok(art !== undefined, packageTag(p));
      await attachAttestation(
        client,
        repo,
        { mediaType: MediaType.ociManifest, digest: art.digest, size: art.bytes.length },
        Buffer.from(formatEnvelope(env)),
      );
    } finally {
      await client.close();
    }
  }

  /** A's claim about `p`, from the bundle beside it in A's store. */
  async function claimOfA(p: ImagePackage): Promise<BuildClaim> {
    const file = path.join(dir('sA'), packageFiles(packageStem(p.name, p.version, p.sha256)).tgz);
    const [env] = await readBundle(bundleFileFor(file));
    assert.ok(env !== undefined, `A's bundle beside ${file}`);
    return readStatement(Buffer.from(env.payload, 'base64'), file).claim;
  }

  before(async () => {
    t = await tempDir('policy');
    npm = await startNpmRegistry();
    oci = await startOciRegistry();
    for (const who of ['a', 'b', 'c']) {
      const k = await bale(['keygen', '--out', dir(who)]);
      assert.equal(k.code, 0, k.stderr);
      secret[who] = await loadSecretKey(dir(`${who}.key`));
      ids[who] = keyIdHex(secret[who]);
    }
    const c = await run([
      'image',
      'compose',
      'npm:fx-app@1.0.0',
      '--name',
      'app',
      '--tag',
      '1',
      '-o',
      dir('app.image.toml'),
      '--registry',
      npm.url,
      '--store',
      dir('sA'),
      '--recipes',
      dir('r'),
      '--key',
      dir('a.key'),
    ]); // prettier-ignore
    assert.equal(c.code, 0, c.stderr);
    const p = await run(['push', dir('app.image.toml'), '--to', `${oci.url}/bale`, '--store', dir('sA'), '--key', dir('a.key')]);
    assert.equal(p.code, 0, p.stderr);
    packages = parseImageFile(await readFile(dir('app.image.toml'), 'utf8'), 'app.image.toml').packages;
    assert.ok(packages.length >= 3, `fx-app's image holds ${packages.length} packages`);
  });
  after(async () => {
    await oci.stop();
    await npm.close();
    await t.cleanup();
  });

  test('1 of 2: refused in one line, store unchanged; forged, untrusted and other-build-key envelopes never count', async () => {
    const first = packages[0]!;
    const mine = await claimOfA(first);
    // B's key id on C's signature: forged. C's own: untrusted. B about another build (other bytes): ignored.
    const forged = attestBuild(mine, secret['c']!);
    forged.signatures[0]!.keyid = ids['b']!;
    await attach(first, forged);
    await attach(first, attestBuild(mine, secret['c']!));
    await attach(first, attestBuild({ ...mine, buildKey: 'e'.repeat(64), sha256: 'd'.repeat(64) }, secret['b']!));

    const before = await listFiles(dir('s2'));
    const r = await run(['pull', ref(), '--require', '2', ...trustAB(), '--store', dir('s2'), '-o', dir('pulled.image.toml')]);
    assert.equal(r.code, 1, r.stderr);
    const line = oneErrorLine(r.stderr);
    assert.ok(
      line.startsWith(
        `bale: error: ${ref()}: ${first.name} ${first.version}: only 1 trusted builder attests sha256 ${first.sha256} (${ids['a']}), 2 required`,
      ),
      line,
    );
    assert.ok(line.includes('ignored: 1 for another build key, 1 by untrusted keys, 1 with forged signatures'), line);
    assert.ok(line.endsWith(`(${packages.length - 1} more packages fail)`), line);
    assert.deepEqual(await listFiles(dir('s2')), before);
    assert.equal(existsSync(dir('pulled.image.toml')), false);

    // --require 1 passes on A alone; the listing shows each kind of envelope for what it is.
    const one = await run(['pull', ref(), '--require', '1', ...trustAB(), '--store', dir('s1'), '-o', dir('one.image.toml')]);
    assert.equal(one.code, 0, one.stderr);
    const l = await run(['attestations', ref(), ...trustAB(), '--json']);
    assert.equal(l.code, 0, l.stderr);
    const listed = (JSON.parse(l.stdout) as Listing).packages.find((x) => x.name === first.name)!;
    const seen = listed.attestations
      .map((a) => `${a.signatures.map((s) => `${s.keyid}:${s.trusted}:${s.valid}`).join()} ${a.relation}`)
      .sort();
    assert.deepEqual(
      seen,
      [
        `${ids['a']}:true:true agrees`,
        `${ids['b']}:true:false agrees`,
        `${ids['b']}:true:true other build key`,
        `${ids['c']}:false:null agrees`,
      ].sort(),
    );
  });

  test('builder B rebuilds and attests: 2 of 2 passes, the bundles keep both, verify --require works from them', async () => {
    const rb = await bale(['rebuild', ref(), '--key', dir('b.key'), '--push'], {
      env: { XDG_CONFIG_HOME: dir('configB'), BALE_SIGNING_KEY: '', TZ: 'Asia/Tokyo', LC_ALL: 'C' },
    });
    assert.equal(rb.code, 0, `${rb.stdout}\n${rb.stderr}`);
    // Through a counting proxy: the recipes every package of a closure carries are pulled once each.
    const proxy = await startCountingProxy(oci.httpUrl);
    const started = Date.now();
    const r = await run([
      'pull',
      `oci://${proxy.host}/bale/app:1`,
      '--require',
      '2',
      ...trustAB(),
      '--store',
      dir('s2'),
      '-o',
      dir('pulled.image.toml'),
      '--json',
    ]);
    const requireMs = Date.now() - started;
    await proxy.close();
    assert.equal(r.code, 0, r.stderr);
    const blobGets = /^GET \/v2\/bale\/packages\/blobs\//;
    assert.ok(proxy.count(blobGets) > 0);
    assert.deepEqual(proxy.repeated(blobGets), [], 'a blob pulled more than once');
    const out = JSON.parse(r.stdout) as { packages: { file: string }[]; policy: { require: number; packages: { agreed: string[] }[] } };
    assert.equal(out.policy.require, 2);
    for (const p of out.policy.packages) assert.deepEqual(p.agreed, [ids['a'], ids['b']].sort());
    // Kept beside each package: A's and B's (and C's, untrusted but harmless); never the forged one.
    for (const p of out.packages) {
      const kept = (await readBundle(bundleFileFor(p.file))).flatMap((e) => e.signatures.map((s) => s.keyid));
      assert.ok(kept.includes(ids['a']!) && kept.includes(ids['b']!), `${p.file}: ${kept.join()}`);
    }
    const verifyStarted = Date.now();
    const v = await run(['pull', ref(), '--verify', ...trustAB(), '--store', dir('s3'), '-o', dir('verified.image.toml')]);
    const verifyMs = Date.now() - verifyStarted;
    assert.equal(v.code, 0, v.stderr);
    // A store holding every package already (pulled on A's word alone) is judged all the same; its bundles gain B's.
    const again = await run(['pull', ref(), '--require', '2', ...trustAB(), '--store', dir('s1'), '-o', dir('one.image.toml'), '--json']);
    assert.equal(again.code, 0, again.stderr);
    const ag = JSON.parse(again.stdout) as { present: number; packages: { file: string }[] };
    assert.equal(ag.present, packages.length);
    for (const p of ag.packages) {
      const signers = (await readBundle(bundleFileFor(p.file))).flatMap((e) => e.signatures.map((s) => s.keyid));
      assert.ok(signers.includes(ids['b']!), `${p.file}: ${signers.join()}`);
    }
    console.log(`# pull --require 2: ${requireMs} ms; pull --verify: ${verifyMs} ms (${packages.length} packages)`);
  });

  test('attestations --json: the raw envelopes verify with an independent DSSE check (Python cryptography)', async () => {
    const l = await run(['attestations', ref(), ...trustAB(), '--json']);
    assert.equal(l.code, 0, l.stderr);
    const listing = JSON.parse(l.stdout) as Listing;
    assert.deepEqual(
      listing.packages.map((p) => `${p.name} ${p.sha256}`),
      packages.map((p) => `${p.name} ${p.sha256}`),
    );
    const all = listing.packages.flatMap((p) => p.attestations);
    const good = all.filter((a) => a.signatures.every((s) => s.valid !== false)).map((a) => a.envelope);
    const forged = all.filter((a) => a.signatures.some((s) => s.valid === false)).map((a) => a.envelope);
    assert.equal(forged.length, 1);
    // Each package: A's and B's, agreeing on its sha256 and build key.
    for (const p of listing.packages) {
      const agree = p.attestations.filter((a) => a.relation === 'agrees' && a.signatures.every((s) => s.valid === true));
      assert.deepEqual(agree.map((a) => a.signatures[0]!.keyid).sort(), [ids['a'], ids['b']].sort(), p.name);
      for (const a of agree) assert.deepEqual([a.subject?.sha256, a.build_key], [p.sha256, p.build_key]);
    }
    await writeFile(dir('good.json'), JSON.stringify(good));
    await writeFile(dir('forged.json'), JSON.stringify(forged));
    const pubs = ['a', 'b', 'c'].map((k) => dir(`${k}.pub`));
    const ok = await python(DSSE_PY, [dir('good.json'), ...pubs]);
    assert.equal(ok.code, 0, ok.out);
    assert.equal(ok.out.split('\n').length, good.length);
    const bad = await python(DSSE_PY, [dir('forged.json'), ...pubs]);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /InvalidSignature/);

    // The table: one header per package, one line per envelope.
    const table = await run(['attestations', ref(), ...trustAB()]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      new RegExp(`${ids['b']}  trusted, FORGED  sha256 ${packages[0]!.sha256.slice(0, 12)}  build key [0-9a-f]{12}  agrees`),
    );
    assert.match(table.stdout, new RegExp(`${ids['c']}  untrusted        sha256 ${packages[0]!.sha256.slice(0, 12)}`));
  });

  test('a trusted builder attesting other bytes for the same build key: refused, naming both builders and digests', async () => {
    const second = packages[1]!;
    const other = '9'.repeat(64);
    await attach(second, attestBuild({ ...(await claimOfA(second)), sha256: other }, secret['b']!));
    const before = await listFiles(dir('s4'));
    const r = await run(['pull', ref(), '--require', '1', ...trustAB(), '--store', dir('s4'), '-o', dir('s4.image.toml')]);
    assert.equal(r.code, 1, r.stderr);
    const line = oneErrorLine(r.stderr);
    assert.ok(line.includes(`${second.name} ${second.version}: builders disagree: `), line);
    assert.ok(line.includes(`${ids['a']} attests ${second.sha256}`), line);
    assert.ok(line.includes(`${ids['b']} attests ${other}`), line);
    assert.deepEqual(await listFiles(dir('s4')), before);
  });

  test('offline: verify --require and image export --require from the bundles a pull kept', async () => {
    await oci.stop(); // nothing below may need the registry
    const vi = await run(['verify', dir('pulled.image.toml'), '--require', '2', ...trustAB(), '--store', dir('s2')]);
    assert.equal(vi.code, 0, vi.stderr);
    assert.match(vi.stdout, new RegExp(`ok .*pulled\\.image\\.toml .*${packages.length} packages attested by 2\\+ trusted builders`));
    const stem = packageFiles(packageStem(packages[0]!.name, packages[0]!.version, packages[0]!.sha256)).tgz;
    const pkg = path.join(dir('s2'), stem);
    const vp = await run(['verify', pkg, '--require', '2', ...trustAB()]);
    assert.equal(vp.code, 0, vp.stderr);
    // C's envelope on the first package was kept though untrusted: trusting C makes it count; the second has no third.
    const abc = [...trustAB(), '--trust', dir('c.pub')];
    assert.equal((await run(['verify', pkg, '--require', '3', ...abc])).code, 0);
    const pkg2 = path.join(dir('s2'), packageFiles(packageStem(packages[1]!.name, packages[1]!.version, packages[1]!.sha256)).tgz);
    const three = await run(['verify', pkg2, '--require', '3', ...abc]);
    assert.equal(three.code, 1, three.stderr);
    assert.match(
      oneErrorLine(three.stderr),
      /: only 2 trusted builders attest sha256 [0-9a-f]{64} \([0-9A-F]{16}, [0-9A-F]{16}\), 3 required$/,
    );
    // The listing works offline too, from an image file's packages or one package file.
    const li = await run(['attestations', dir('pulled.image.toml'), '--store', dir('s2'), ...trustAB(), '--json']);
    assert.equal(li.code, 0, li.stderr);
    for (const p of (JSON.parse(li.stdout) as Listing).packages) {
      const agree = p.attestations.filter((a) => a.relation === 'agrees' && a.signatures.every((x) => x.valid === true));
      assert.deepEqual(agree.map((a) => a.signatures[0]!.keyid).sort(), [ids['a'], ids['b']].sort(), p.name);
    }
    const lp = await run(['attestations', pkg2, ...trustAB()]);
    assert.equal(lp.code, 0, lp.stderr);
    assert.equal(
      lp.stdout.split('\n')[0],
      `${packages[1]!.name} ${packages[1]!.version}  sha256 ${packages[1]!.sha256.slice(0, 12)}  build key ${lp.stdout.split('build key ')[1]!.slice(0, 12)}`,
    );
    assert.equal(lp.stdout.match(/trusted, valid/g)?.length, 2, lp.stdout);
    // A's own store holds A's attestations only.
    const onlyA = await run(['verify', dir('app.image.toml'), '--require', '2', ...trustAB(), '--store', dir('sA')]);
    assert.equal(onlyA.code, 1, onlyA.stderr);
    assert.match(oneErrorLine(onlyA.stderr), /only 1 trusted builder attests/);
    const ex = await run([
      'image',
      'export',
      dir('pulled.image.toml'),
      '--require',
      '2',
      ...trustAB(),
      '--store',
      dir('s2'),
      '--oci',
      dir('oci-out'),
    ]);
    assert.equal(ex.code, 0, ex.stderr);
    const exA = await run([
      'image',
      'export',
      dir('app.image.toml'),
      '--require',
      '2',
      ...trustAB(),
      '--store',
      dir('sA'),
      '--oci',
      dir('oci-a'),
    ]);
    assert.equal(exA.code, 1, exA.stderr);
    assert.match(oneErrorLine(exA.stderr), /EPOLICY|only 1 trusted builder attests/);
    assert.equal(existsSync(dir('oci-a')), false);
  });

  test('bad input: --require 0, abc, 1001, more than the trust list holds, with --no-verify: usage errors', async () => {
    await writeFile(dir('loose.tar.gz'), 'not in a store');
    for (const [args, needle] of [
      [['pull', 'oci://127.0.0.1:1/bale/app:1', '--require', '0'], '--require'],
      [['pull', 'oci://127.0.0.1:1/bale/app:1', '--require', 'abc'], '--require'],
      [['verify', dir('app.image.toml'), '--require', '1001'], '--require'],
      [['verify', dir('app.image.toml'), '--require', '3', ...trustAB()], 'the trust list holds 2 keys'],
      [['image', 'export', dir('app.image.toml'), '--require', '1', '--no-verify', '--oci', dir('x')], '--no-verify'],
      [['attestations', dir('no-such-file')], 'is not a file'],
      [['verify', dir('loose.tar.gz'), '--require', '1', ...trustAB()], 'is not a package in a bale store'],
    ] as const) {
      const r = await run([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(oneErrorLine(r.stderr).includes(needle), r.stderr);
    }
  });
});
