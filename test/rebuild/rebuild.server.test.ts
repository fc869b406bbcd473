/**
 * `bale rebuild` by a second builder that shares nothing with the first: its own XDG dirs, store,
 * source cache and working directory, another host name, clock (faketime, days ahead), time zone, locale,
 * umask and --jobs. Over the fixture corpus (npm with a node-gyp addon, a PyPI C-extension sdist,
 * a gem with a native extension, a Debian package) every package is reproduced and both builders'
 * attestations verify with an independent DSSE check; an honestly unreproducible build is a
 * MISMATCH naming its one differing file; packages without descriptions cannot be rebuilt; and
 * through a real registry, B's attestations are attached beside A's.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bundleFileFor } from '../../src/attest/index.js';
import { BLOB, MediaType, packageTag, packagesRepo } from '../../src/oci/index.js';
import { parseManifest, parseRegistryUrl, RegistryClient } from '../../src/registry/index.js';
import { fetchAttestations } from '../../src/store/package-artifacts.js';
import { python, VERIFY_PY } from '../attest/python-dsse.js';
import { aptCache } from '../helpers/apt-cache.js';
import { startCountingProxy } from '../helpers/counting-proxy.js';
import { bale, oneErrorLine, SHARED_XDG_CACHE, tempDir, type BaleRunOptions } from '../helpers/cli.js';
import { startGemServer, type GemServer } from '../helpers/gem-server.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startOciRegistry, type OciRegistry } from '../helpers/oci-registry.js';
import { startPypiIndex, type FixtureIndex } from '../helpers/pypi-index.js';

interface JsonPackage {
  name: string;
  version: string;
  sha256: string;
  file: string;
}

interface Rebuilt {
  name: string;
  version: string;
  sha256: string;
  result: string;
  rebuilt_sha256?: string;
  why?: string;
  differences?: string[];
}

describe('bale rebuild (two builders that share nothing)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let npm: FixtureRegistry;
  let pypi: FixtureIndex;
  let gems: GemServer;
  let oci: OciRegistry;
  let overrides: string;
  const dir = (...p: string[]): string => path.join(t.dir, ...p);
  let leftFile = '';

  /** Builder A: the shared test cache (sources and Node binaries), the default clock and zone. */
  const asA = (args: string[], o: BaleRunOptions = {}) =>
    bale([...args, '--key', dir('a.key'), '--recipes', dir('a', 'r')], {
      ...o,
      env: { XDG_CACHE_HOME: SHARED_XDG_CACHE, XDG_DATA_HOME: dir('a', 'data'), XDG_CONFIG_HOME: dir('a', 'cfg'), ...o.env },
    });
  /** Builder B: nothing of A's but the packages it is asked to rebuild. */
  const asB = async (args: string[], o: { key?: boolean } = {}) => {
    const cwd = dir('b', 'work', 'deeper');
    await mkdir(cwd, { recursive: true });
    return bale(['rebuild', ...args, ...(o.key === false ? [] : ['--key', dir('b.key')]), '--jobs', '1'], {
      cwd,
      umask: '077',
      // Another host name (a UTS namespace of its own, as root) and a clock three days ahead.
      prefix: ['unshare', '--uts', '/bin/sh', '-c', 'hostname bale-builder-b && exec "$@"', 'sh', 'faketime', '-f', '+3d'],
      env: {
        TZ: 'Pacific/Kiritimati',
        LC_ALL: 'C',
        LANG: 'C',
        XDG_CACHE_HOME: dir('b', 'cache'),
        XDG_DATA_HOME: dir('b', 'data'),
        XDG_CONFIG_HOME: dir('b', 'cfg'),
      },
    });
  };
  const requestA = async (specs: string[], flags: string[]): Promise<JsonPackage[]> => {
    const r = await asA(['request', ...specs, ...flags, '--store', dir('a', 's'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages;
  };
  const results = (stdout: string): Rebuilt[] => (JSON.parse(stdout) as { packages: Rebuilt[] }).packages;

  before(async () => {
    t = await tempDir('rebuild');
    aptCache(['zlib1g', 'libc6'], 'the rebuild test');
    [npm, pypi, gems, oci] = await Promise.all([startNpmRegistry(), startPypiIndex(), startGemServer(), startOciRegistry()]);
    overrides = dir('overrides');
    await mkdir(overrides);
    const zext = (name: string): string =>
      `[[package]]\nname = "${name}"\nbuild = ["zlib1g-dev"]\nruntime = ["zlib1g"]\nnote = "links zlib"\n`;
    await writeFile(path.join(overrides, 'pypi.toml'), zext('fxp-zext'));
    await writeFile(path.join(overrides, 'rubygems.toml'), zext('fxg-zext'));
    for (const who of ['a', 'b']) {
      const r = await bale(['keygen', '--out', dir(who)]);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await Promise.all([npm?.close(), pypi?.close(), gems?.close(), oci?.stop()]);
    await t?.cleanup();
  });

  test('the corpus (npm addon, PyPI C extension, native gem, Debian): every package reproduced, both attestations verify', async () => {
    const built = [
      ...(await requestA(['npm:fx-app@1.0.0', 'npm:fx-native@1.0.0'], ['--node', '20', '--registry', npm.url])),
      ...(await requestA(['pypi:fxp-zext'], ['--python', '3.11', '--index-url', pypi.simpleUrl, '--overrides', overrides])),
      ...(await requestA(['gem:fxg-zext'], ['--ruby', '3.1', '--source', gems.url, '--overrides', overrides])),
      ...(await requestA(['deb:zlib1g'], [])),
    ];
    for (const kind of ['node20-fx-native', 'py3.11-fxp-zext', 'ruby3.1-fxg-zext', 'deb-zlib1g']) {
      assert.ok(
        built.some((p) => p.name === kind),
        `${kind} built: ${built.map((p) => p.name)}`,
      );
    }
    const r = await asB([...built.map((p) => p.file), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = results(r.stdout);
    assert.deepEqual(
      out.map((p) => `${p.name} ${p.version} ${p.result} ${p.rebuilt_sha256}`),
      built.map((p) => `${p.name} ${p.version} reproduced ${p.sha256}`),
    );
    // Each package's bundle now holds A's envelope and B's, and both verify independently.
    for (const p of built) {
      const lines = (await readFile(bundleFileFor(p.file), 'utf8')).trim().split('\n');
      assert.equal(lines.length, 2, `${p.name}: two builders' envelopes`);
      // Each envelope in a file of its own, written before either check reads it.
      const files = await Promise.all(
        lines.map(async (l, i) => {
          const f = dir(`${p.name}-envelope-${i}.json`);
          await writeFile(f, l);
          return f;
        }),
      );
      const verdicts = await Promise.all(
        ['a', 'b'].map(async (who) => {
          const outs = await Promise.all(files.map((f) => python(VERIFY_PY, [f, dir(`${who}.pub`)])));
          return outs.filter((v) => v.code === 0 && v.out.endsWith(p.sha256)).length;
        }),
      );
      assert.deepEqual(verdicts, [1, 1], `${p.name}: one envelope by A and one by B, each over sha256 ${p.sha256}`);
    }
  });

  test('an unreproducible build is a MISMATCH naming its one differing file; --diff adds diffoscope; B attests its own sha256', async () => {
    const [p] = await requestA(['npm:fx-unreproducible@1.0.0'], ['--node', '20', '--registry', npm.url]);
    assert.equal(p!.name, 'node20-fx-unreproducible');
    const r = await asB([p!.file, '--diff']);
    assert.equal(r.code, 1, r.stderr);
    const err = oneErrorLine(r.stderr);
    assert.match(err, /1 package rebuilt to different bytes \(MISMATCH\)/);
    assert.match(
      r.stdout,
      new RegExp(`^MISMATCH node20-fx-unreproducible 1\\.0\\.0: expected ${p!.sha256.slice(0, 12)}, rebuilt [0-9a-f]{12}$`, 'm'),
    );
    const named = r.stdout.split('\n').filter((l) => /^ {2}\S+: expected /.test(l));
    assert.equal(named.length, 1, r.stdout);
    assert.match(named[0]!, /fx-unreproducible\/build-id\.txt: expected 33 bytes, mode 0644, sha256 [0-9a-f]{12}; rebuilt 33 bytes/);
    assert.match(r.stdout, /build-id\.txt/);
    // diffoscope's own report on the two archives (.ci/run installs diffoscope-minimal).
    assert.match(r.stdout, /^ {2}--- \S+\.tar\.gz\n {2}\+\+\+ \S+\.tar\.gz$/m, 'diffoscope report follows');
    assert.match(r.stdout, /^ {2}[│├].*build-id\.txt/m, "diffoscope's report names the file");
    assert.match(r.stdout, /0 of 1 packages rebuilt byte for byte/);
    // A disagreement on record: A's envelope and B's, over different digests.
    const lines = (await readFile(bundleFileFor(p!.file), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 2);
    const digests = lines.map((l) => JSON.parse(Buffer.from(JSON.parse(l).payload, 'base64').toString()).subject[0].digest.sha256);
    assert.ok(digests.includes(p!.sha256));
    assert.equal(new Set(digests).size, 2, 'B attests the sha256 it built');
  });

  test('a package without a build description cannot be rebuilt, and says so', async () => {
    const [p] = await requestA(['npm:fx-left@1.0.0'], ['--node', '20', '--registry', npm.url]);
    leftFile = p!.file;
    await rm(p!.file.replace(/\.tar\.gz$/, '.build.json'));
    const r = await asB([p!.file], { key: false });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^could not rebuild node-fx-left 1\.0\.0: it has no build description/m);
    assert.match(oneErrorLine(r.stderr), /0 packages rebuilt to different bytes \(MISMATCH\), 1 could not be rebuilt/);
  });

  test('usage: --push needs a key and a registry; an oci:// image goes alone; an unknown package is named', async () => {
    const some = leftFile;
    const cases: [string[], RegExp][] = [
      [[some, '--push'], /--push: attesting needs a signing key/],
      [['oci://127.0.0.1:1/bale/app:1', some], /an oci:\/\/ image is rebuilt on its own/],
      [['no-such-thing'], /is not an oci:\/\/ image, an image file, a package file or name@version/],
    ];
    for (const [args, re] of cases) {
      const r = await asB(args, { key: false });
      assert.equal(r.code, 2, `${args}: ${r.stderr}`);
      assert.match(oneErrorLine(r.stderr), re);
    }
    const local = await asB([some, '--push']);
    assert.equal(local.code, 2);
    assert.match(oneErrorLine(local.stderr), /only an oci:\/\/ image can be pushed to/);
    const missing = await asB(['node-nothing@9.9.9', '--store', dir('a', 's')], { key: false });
    assert.equal(missing.code, 1);
    assert.match(oneErrorLine(missing.stderr), /node-nothing@9\.9\.9: .* holds no such package: pull or build it first/);
  });

  test('from a registry: B rebuilds the image from what the registry holds and attaches its attestations beside A', async () => {
    const R = `${oci.url}/bale`;
    const compose = await asA([
      'image',
      'compose',
      'npm:fx-app@1.0.0',
      'npm:fx-native@1.0.0',
      '--name',
      'app',
      '--tag',
      '1',
      '--node',
      '20',
      '--registry',
      npm.url,
      '--store',
      R,
      '-o',
      dir('a', 'app.image.toml'),
    ]);
    assert.equal(compose.code, 0, compose.stderr);
    const push = await asA(['push', dir('a', 'app.image.toml'), '--store', R, '--to', R]);
    assert.equal(push.code, 0, push.stderr);
    // B reads through a counting proxy: a closure's recipes ride on every package of it, and each
    // blob (recipes included) is pulled once however many packages name it.
    const proxy = await startCountingProxy(oci.httpUrl);
    let r: Awaited<ReturnType<typeof asB>>;
    try {
      r = await asB([`oci://${proxy.host}/bale/app:1`, '--push', '--json']);
      const blobGets = /^GET \/v2\/bale\/packages\/blobs\//;
      assert.ok(proxy.count(blobGets) > 0);
      assert.deepEqual(proxy.repeated(blobGets), [], 'a blob pulled more than once');
    } finally {
      await proxy.close();
    }
    assert.equal(r.code, 0, r.stderr);
    const out = results(r.stdout);
    assert.ok(out.length >= 4, r.stdout);
    assert.deepEqual(
      out.filter((p) => p.result !== 'reproduced'),
      [],
    );
    // Through the referrers API: every package artifact has two attestations (A's and B's).
    const client = new RegistryClient(parseRegistryUrl(R).registry, { credentials: null, env: {} });
    try {
      for (const p of out) {
        const repo = packagesRepo('bale');
        const art = await client.findManifest(repo, packageTag(p));
        assert.ok(art !== undefined, p.name);
        const envs = await fetchAttestations(client, repo, art.digest, p.name);
        assert.equal(envs.length, 2, `${p.name}: A's and B's attestations`);
      }
      // A package's bytes replaced in the registry (its artifact re-pushed under its tag, the same
      // manifest, another archive): refused, naming the package and both digests; then put back.
      const repo = packagesRepo('bale');
      const victim = await client.findManifest(repo, packageTag(out[1]!));
      const other = Buffer.from(gzipSync(Buffer.from('not the package')));
      const otherDigest = `sha256:${createHash('sha256').update(other).digest('hex')}`;
      await client.pushBlob(repo, otherDigest, other);
      const forged = JSON.parse(victim!.bytes.toString()) as { layers: { digest: string; size: number }[] };
      const archive = forged.layers.find((l) => l.digest === `sha256:${out[1]!.sha256}`)!;
      Object.assign(archive, { digest: otherDigest, size: other.length });
      await client.putManifest(repo, packageTag(out[1]!), Buffer.from(JSON.stringify(forged)), MediaType.ociManifest);
      const replaced = await asB([`${R}/app:1`]);
      assert.equal(replaced.code, 1, replaced.stderr);
      assert.match(
        oneErrorLine(replaced.stderr),
        new RegExp(`${packageTag(out[1]!)}: its archive is ${otherDigest}, not sha256:${out[1]!.sha256}`),
      );
      await client.putManifest(repo, packageTag(out[1]!), victim!.bytes, MediaType.ociManifest);
      // A recipe gone from the registry: nothing can be rebuilt from what is left, and B says which.
      const art = await client.findManifest(repo, packageTag(out[0]!));
      const recipe = parseManifest(art!.bytes, 'artifact').layers.find((l) => l.mediaType === BLOB.recipe)!;
      const hex = recipe.digest.slice('sha256:'.length);
      await rm(path.join(oci.storageDir, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex), { recursive: true });
    } finally {
      await client.close();
    }
    const gone = await asB([`${R}/app:1`]);
    assert.equal(gone.code, 1, gone.stderr);
    assert.match(
      oneErrorLine(gone.stderr),
      /registry 127\.0\.0\.1:\d+: bale\/packages:\S+: recipe [0-9a-f]{12}, which its build description names, cannot be read: .*no blob/,
    );
  });
});
