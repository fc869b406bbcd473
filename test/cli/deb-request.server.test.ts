/**
 * `bale request deb:...` end to end against the host's apt and deb.debian.org (real metadata, real
 * .debs, real dpkg-deb): the Depends closure, maintainer scripts listed (checked with dpkg-deb and
 * GNU tar), libc and the loader where bookworm puts them, an epoch in names, a root made of nothing
 * else running `hello` under bubblewrap, identical bytes under another clock, TZ and umask; and bad
 * input: a wrong hash, an unknown package, hostile and mislabelled .debs served over loopback HTTP.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { aptCache } from '../helpers/apt-cache.js';
import { bale, listFiles, oneErrorLine, SHARED_XDG_CACHE, tempDir } from '../helpers/cli.js';
import { buildDeb } from '../helpers/deb.js';
import { closeServer, listenLoopback } from '../helpers/loopback.js';

interface JsonPackage {
  name: string;
  version: string;
  purl: string;
  file: string;
  sha256: string;
  cached: boolean;
}

const manifestOf = async (p: JsonPackage): Promise<{ dropped_scripts?: string[]; depends: { name: string }[] }> =>
  JSON.parse(await readFile(p.file.replace(/\.tar\.gz$/, '.manifest.json'), 'utf8')) as {
    dropped_scripts?: string[];
    depends: { name: string }[];
  };

/** The maintainer scripts of a cached .deb, as dpkg-deb and GNU tar see them (not through bale's reader). */
async function scriptsInDeb(integrity: string): Promise<string[]> {
  const hex = Buffer.from(integrity.replace(/^sha256-/, ''), 'base64').toString('hex');
  const deb = path.join(SHARED_XDG_CACHE, 'bale', 'sources', 'sha256', hex.slice(0, 2), hex);
  const ctrl = await execa('dpkg-deb', ['--ctrl-tarfile', deb], { encoding: 'buffer' });
  const names = (await execa('tar', ['-t'], { input: ctrl.stdout })).stdout.split('\n').map((n) => n.replace(/^\.\//, ''));
  return names.filter((n) => ['preinst', 'postinst', 'prerm', 'postrm', 'config', 'triggers'].includes(n)).sort();
}

const sums = (ps: JsonPackage[]): string[] => ps.map((p) => `${p.name}@${p.version} ${p.sha256}`).sort();

describe('bale request deb:... (host apt, deb.debian.org)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  const first: JsonPackage[] = [];

  before(async () => {
    aptCache(['libc6', 'hello', 'zlib1g'], 'the Debian importer test');
    t = await tempDir('deb');
  });
  after(() => t.cleanup());

  const request = async (
    specs: string[],
    n: string,
    o: { env?: Record<string, string>; umask?: string; prefix?: string[]; cwd?: string; jobs?: string } = {},
  ): Promise<JsonPackage[]> => {
    const r = await bale(
      [
        'request',
        ...specs,
        '--recipes',
        path.join(t.dir, `r${n}`),
        '--store',
        path.join(t.dir, `s${n}`),
        '--jobs',
        o.jobs ?? '4',
        '--json',
      ],
      o,
    );
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages;
  };

  test('deb:libc6: its Depends closure, maintainer scripts listed, libc and the loader where bookworm puts them', async () => {
    const packages = await request(['deb:libc6'], '1');
    first.push(...packages);
    assert.deepEqual(
      packages.map((p) => p.name),
      ['deb-gcc-12-base', 'deb-libc6', 'deb-libgcc-s1'],
    );
    for (const p of packages) {
      const name = p.name.replace(/^deb-/, '');
      const recipe = await readFile(path.join(t.dir, 'r1', 'deb', name, `${p.version}.toml`), 'utf8');
      assert.match(recipe, /\nkind = "deb"\n/);
      assert.match(recipe, new RegExp(`\\npurl = "pkg:deb/debian/${name}@`));
      const integrity = /\nintegrity = "(sha256-[^"]+)"/.exec(recipe)![1]!;
      assert.deepEqual(
        (await manifestOf(p)).dropped_scripts,
        await scriptsInDeb(integrity),
        `${p.name}: dropped_scripts lists exactly the .deb's scripts`,
      );
    }
    const libc = packages.find((p) => p.name === 'deb-libc6')!;
    const m = await manifestOf(libc);
    assert.ok(m.dropped_scripts!.includes('postinst'), 'libc6 has a postinst, and it is listed');
    assert.deepEqual(
      m.depends.map((d) => d.name),
      ['deb-libgcc-s1'],
    );
    const listing = (await execa('tar', ['-tvzf', libc.file])).stdout;
    assert.match(listing, /\slib\/x86_64-linux-gnu\/libc\.so\.6\n/);
    assert.match(listing, /\slib64\/ld-linux-x86-64\.so\.2 -> \.\.\/lib\/x86_64-linux-gnu\/ld-linux-x86-64\.so\.2\n/);
    assert.doesNotMatch(listing, / -> \//, 'no absolute symlinks');
  });

  test('deb:hello and deb:zlib1g (an epoch) reuse the store; a root of these packages alone runs hello', async () => {
    const packages = await request(['deb:hello', 'deb:zlib1g'], '1');
    first.push(...packages.filter((p) => !p.cached));
    assert.deepEqual(
      packages.map((p) => `${p.name}${p.cached ? ' (cached)' : ''}`),
      ['deb-gcc-12-base (cached)', 'deb-hello', 'deb-libc6 (cached)', 'deb-libgcc-s1 (cached)', 'deb-zlib1g'],
    );
    const zlib = packages.find((p) => p.name === 'deb-zlib1g')!;
    assert.match(zlib.version, /^1:/);
    assert.match(path.basename(zlib.file), /^deb-zlib1g-1:[^/]+-[0-9a-f]{12}\.tar\.gz$/, 'the epoch colon is kept in the store');
    assert.match(zlib.purl, /^pkg:deb\/debian\/zlib1g@1:/);
    await readFile(path.join(t.dir, 'r1', 'deb', 'zlib1g', `${zlib.version}.toml`));
    const root = path.join(t.dir, 'root');
    await mkdir(root);
    // Absolute paths: GNU tar would take a relative `deb-zlib1g-1:...` for host:file.
    for (const p of packages) await execa('tar', ['-xzf', p.file, '-C', root]);
    const run = await execa('bwrap', ['--bind', root, '/', '--proc', '/proc', '--dev', '/dev', '--clearenv', '/usr/bin/hello'], {
      reject: false,
    });
    assert.equal(run.stdout, 'Hello, world!', run.stderr);
    const again = await bale(['build', 'deb:hello', '--recipes', path.join(t.dir, 'r1'), '--store', path.join(t.dir, 's1'), '--json']);
    assert.equal(again.code, 0, again.stderr);
    const hello = (JSON.parse(again.stdout) as { packages: JsonPackage[] }).packages.find((p) => p.name === 'deb-hello')!;
    assert.equal(hello.cached, true, 'bale build deb:hello picks the recipe imported before');
  });

  test('a second request under another clock, TZ, locale, umask, cwd and --jobs gives identical packages', async () => {
    assert.equal(first.length, 5);
    const cwd = path.join(t.dir, 'elsewhere');
    await mkdir(cwd);
    const b = await request(['deb:libc6', 'deb:hello', 'deb:zlib1g'], '2', {
      env: { TZ: 'Pacific/Auckland', LC_ALL: 'C' },
      umask: '077',
      prefix: ['faketime', '-f', '+321d'],
      cwd,
      jobs: '1',
    });
    assert.deepEqual(sums(b), sums(first));
    for (const f of await listFiles(path.join(t.dir, 'r1'))) {
      assert.equal(
        await readFile(path.join(t.dir, 'r2', f), 'utf8'),
        await readFile(path.join(t.dir, 'r1', f), 'utf8'),
        `${f}: same recipe bytes`,
      );
    }
  });

  test('a recipe whose sha256 does not match the .deb: one IntegrityError line, nothing stored', async () => {
    const from = path.join(t.dir, 'r1', 'deb', 'gcc-12-base');
    const file = (await listFiles(from))[0]!;
    const bad = path.join(t.dir, 'rbad', 'deb', 'gcc-12-base', file);
    await mkdir(path.dirname(bad), { recursive: true });
    const wrong = `sha256-${createHash('sha256').update('not gcc-12-base').digest('base64')}`;
    await writeFile(bad, (await readFile(path.join(from, file), 'utf8')).replace(/integrity = "[^"]+"/, `integrity = "${wrong}"`));
    const r = await bale(['build', bad, '--recipes', path.join(t.dir, 'rbad'), '--store', path.join(t.dir, 'sbad')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneErrorLine(r.stderr), /gcc-12-base_[^ ]+\.deb: integrity mismatch: expected sha256-/);
    assert.deepEqual(await listFiles(path.join(t.dir, 'sbad')), []);
  });

  test('an unknown package: one line naming it, exit 1, nothing written', async () => {
    const r = await bale([
      'request',
      'deb:bale-no-such-package',
      '--recipes',
      path.join(t.dir, 'rnone'),
      '--store',
      path.join(t.dir, 'snone'),
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      oneErrorLine(r.stderr),
      /cannot resolve deb:bale-no-such-package with apt: Unable to locate package bale-no-such-package: check the name/,
    );
    assert.deepEqual(await listFiles(path.join(t.dir, 'rnone')), []);
    assert.deepEqual(await listFiles(path.join(t.dir, 'snone')), []);
  });

  test('virtual packages: one provider is taken as apt takes it; several are named for the user to choose', async () => {
    const one = await bale(['import', 'deb:libgcc1', '--recipes', path.join(t.dir, 'rvirt')]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stderr, /note: deb:libgcc1 is a virtual package: apt selects libgcc-s1/);
    assert.match(one.stdout, /^pinned deb:libgcc-s1@12\./m);
    const many = await bale(['import', 'deb:awk', '--recipes', path.join(t.dir, 'rawk')]);
    assert.equal(many.code, 1, many.stderr);
    assert.match(
      oneErrorLine(many.stderr),
      /cannot resolve deb:awk with apt: .*awk is a virtual package, request one of its providers: deb:[a-z-]+awk, /,
    );
    assert.deepEqual(await listFiles(path.join(t.dir, 'rawk')), []);
  });

  test('.debs over loopback HTTP: a symlink out of the root is refused, a mislabelled one too, a benign one builds', async () => {
    const www = path.join(t.dir, 'www');
    await mkdir(www);
    const evil = await buildDeb(www, 'bale-evil', { 'usr/lib/evil': '-> ../../../../etc', 'usr/share/doc/bale-evil/README': 'hi\n' });
    const ok = await buildDeb(
      www,
      'bale-ok',
      { 'usr/bin/bale-ok': '#!/bin/sh\n', 'lib64/ld.so': '-> /lib/x86_64-linux-gnu/ld.so' },
      { postinst: '#!/bin/sh\nldconfig\n' },
    );
    const server = http.createServer((req, res) => {
      readFile(path.join(www, path.basename(req.url ?? ''))).then(
        (b) => res.end(b),
        () => res.writeHead(404).end(),
      );
    });
    const base = await listenLoopback(server);
    try {
      const recipe = async (name: string, deb: string): Promise<string> => {
        const sri = `sha256-${createHash('sha256')
          .update(await readFile(deb))
          .digest('base64')}`;
        const file = path.join(t.dir, 'rlocal', 'deb', name, '1.0-1.toml');
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(
          file,
          `format = 1\npurl = "pkg:deb/debian/${name}@1.0-1"\nsource_date_epoch = 1700000000\n\n[[source]]\nurl = "${base}${path.basename(deb)}"\nintegrity = "${sri}"\nkind = "deb"\nfilename = "${path.basename(deb)}"\n\n[build]\nnative = false\n`,
        );
        return file;
      };
      const build = (file: string, store: string) =>
        bale(['build', file, '--recipes', path.join(t.dir, 'rlocal'), '--store', path.join(t.dir, store), '--json']);

      const refused = await build(await recipe('bale-evil', evil), 'sevil');
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(
        oneErrorLine(refused.stderr),
        /bale-evil_1\.0-1_all\.deb: entry "\.\/usr\/lib\/evil": symlink to "\.\.\/\.\.\/\.\.\/\.\.\/etc": its target leaves the archive root: refusing to extract/,
      );
      assert.deepEqual(await listFiles(path.join(t.dir, 'sevil')), []);

      const mislabelled = await build(await recipe('bale-other', ok), 'sother');
      assert.equal(mislabelled.code, 1, mislabelled.stderr);
      assert.match(oneErrorLine(mislabelled.stderr), /its source bale-ok_1\.0-1_all\.deb is bale-ok 1\.0-1, not bale-other 1\.0-1/);
      assert.deepEqual(await listFiles(path.join(t.dir, 'sother')), []);

      const built = await build(await recipe('bale-ok', ok), 'sok');
      assert.equal(built.code, 0, built.stderr);
      const [p] = (JSON.parse(built.stdout) as { packages: JsonPackage[] }).packages;
      assert.equal(p?.name, 'deb-bale-ok');
      assert.deepEqual((await manifestOf(p!)).dropped_scripts, ['postinst']);
      assert.match((await execa('tar', ['-tvzf', p!.file])).stdout, /lib64\/ld\.so -> \.\.\/lib\/x86_64-linux-gnu\/ld\.so/);
    } finally {
      await closeServer(server, new Set());
    }
  });
});
