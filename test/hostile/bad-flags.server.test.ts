/**
 * Hostile and careless flags, through the real CLI: every bad value of a flag, an argument or
 * its environment variable is one line naming it and what to do, exit 2, no stack, nothing
 * written; what bale echoes (specs, URLs, file names) cannot drive the terminal nor show a
 * password; a recipe's release time out of range names the recipe and the package; a Redis
 * outage is one line when lost and one when back, in a worker and in a waiting producer.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { execa } from 'execa';
import { BALE_BIN, bale, listFiles, oneErrorLine, tempDir } from '../helpers/cli.js';
import { startWorkerProcess, stopAll, type WorkerProcess } from '../helpers/fleet.js';
import { repoRoot } from '../helpers/npm-fixtures.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

/** Bytes a terminal acts on: none may reach stderr or stdout raw. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

interface Paths {
  dir: string;
  /** A regular file. */
  file: string;
  /** A directory. */
  folder: string;
  missing: string;
}

interface Case {
  name: string;
  args: (p: Paths) => string[];
  env?: (p: Paths) => Record<string, string>;
  /** The one error line, from after `bale: error: `: the flag or variable, its value, what to do. */
  says: RegExp;
}

const SPEC = 'npm:fx-app@1.0.0';

const CASES: Case[] = [
  // The three from the report (internal errors, exit 70, before).
  {
    name: '--registry file:///etc/',
    args: () => ['request', SPEC, '--registry', 'file:///etc/'],
    says: /^--registry file:\/\/\/etc\/: must be an http\(s\) URL, e.g. https:\/\/registry\.npmjs\.org\/$/,
  },
  {
    name: "--registry 'ht!tp:://x'",
    args: () => ['request', SPEC, '--registry', 'ht!tp:://x'],
    says: /^--registry ht!tp::\/\/x: not a URL; must be an http\(s\) URL, e.g. https:\/\/registry\.npmjs\.org\/$/,
  },
  {
    name: '--store naming a regular file (show)',
    args: (p) => ['show', 'node-fx-app', '--store', p.file],
    says: /^--store \S+a-file: a regular file, not a directory; give a directory, or oci:\/\/HOST\[:PORT\]\/NAMESPACE for a registry$/,
  },
  // Every other flag that takes a value.
  {
    name: '--registry oci:// outside who-uses',
    args: () => ['import', SPEC, '--registry', 'oci://127.0.0.1:5000/bale'],
    says: /^--registry oci:\/\/127\.0\.0\.1:5000\/bale: must be an http\(s\) URL/,
  },
  {
    name: '--index-url ftp://',
    args: () => ['import', 'pypi:requests', '--index-url', 'ftp://mirror.example/simple/'],
    says: /^--index-url ftp:\/\/mirror\.example\/simple\/: must be an http\(s\) or file:\/\/ URL, e.g. https:\/\/pypi\.org\/simple\/$/,
  },
  {
    name: '--source not a URL',
    args: () => ['import', 'gem:rack', '--source', 'rubygems'],
    says: /^--source rubygems: not a URL; must be an http\(s\) URL, e.g. https:\/\/rubygems\.org\/$/,
  },
  { name: '--jobs 0', args: () => ['request', SPEC, '--jobs', '0'], says: /^--jobs 0: expected a whole number from 1 to 256$/ },
  { name: '--jobs many', args: () => ['build', SPEC, '--jobs', 'many'], says: /^--jobs many: expected a whole number from 1 to 256$/ },
  {
    name: '--node abc',
    args: () => ['import', SPEC, '--node', 'abc'],
    says: /^--node abc: bad Node version "abc": use current, a major \(22\) or an exact version \(22\.11\.0\)$/,
  },
  {
    name: '--node with an empty item',
    args: () => ['build', SPEC, '--node', '20,'],
    says: /^bad --node list "20,": give comma-separated versions, e\.g\. --node 20,22$/,
  },
  {
    name: '--python 2.7',
    args: () => ['import', 'pypi:requests', '--python', '2.7'],
    says: /^bad --python "2\.7": .*; give comma-separated minor versions or a range from 3\.8 to 3\.13/,
  },
  {
    name: '--ruby x',
    args: () => ['import', 'gem:rack', '--ruby', 'x'],
    says: /^bad --ruby "x": .*; give comma-separated MAJOR\.MINOR versions/,
  },
  {
    name: '--build-timeout forever',
    args: () => ['request', SPEC, '--build-timeout', 'forever'],
    says: /^--build-timeout forever: expected a duration such as 600, 90s, 20m or 2h$/,
  },
  { name: '--build-timeout 0', args: () => ['build', SPEC, '--build-timeout', '0'], says: /^--build-timeout 0: expected a duration/ },
  {
    name: '--sandbox chroot',
    args: () => ['request', SPEC, '--sandbox', 'chroot'],
    says: /^option '--sandbox <kind>' argument 'chroot' is invalid\. Allowed choices are auto, bubblewrap, direct\. \(see bale --help\)$/,
  },
  { name: 'an unknown option', args: () => ['request', SPEC, '--frobnicate'], says: /^unknown option '--frobnicate' \(see bale --help\)$/ },
  {
    name: 'a flag without its value',
    args: () => ['worker', '--concurrency'],
    says: /^option '--concurrency <n>' argument missing \(see bale --help\)$/,
  },
  {
    name: '--overrides naming a file',
    args: (p) => ['build', SPEC, '--overrides', p.file],
    says: /^--overrides \S+a-file: a regular file, not a directory; give a directory holding npm\.toml, pypi\.toml and the like$/,
  },
  {
    name: '--overrides missing',
    args: (p) => ['request', SPEC, '--overrides', p.missing],
    says: /^--overrides \S+missing: no such directory; give a directory holding npm\.toml/,
  },
  {
    name: '--recipes naming a file',
    args: (p) => ['import', SPEC, '--recipes', p.file],
    says: /^--recipes \S+a-file: a regular file, not a directory; give the directory recipes are kept in \(created when missing\)$/,
  },
  {
    name: '--store naming a regular file (request)',
    args: (p) => ['request', SPEC, '--store', p.file],
    says: /^--store \S+a-file: a regular file, not a directory/,
  },
  {
    name: '--store naming a regular file (build)',
    args: (p) => ['build', SPEC, '--store', p.file],
    says: /^--store \S+a-file: a regular file, not a directory/,
  },
  {
    name: '--store naming a regular file (worker)',
    args: (p) => ['worker', '--redis', 'redis://127.0.0.1:1', '--store', p.file],
    says: /^--store \S+a-file: a regular file, not a directory/,
  },
  {
    name: '--store below a regular file',
    args: (p) => ['show', 'node-fx-app', '--store', path.join(p.file, 'store')],
    says: /^--store \S+a-file\/store: \S+a-file is not a directory; give a directory, or oci:\/\//,
  },
  {
    name: '--store naming a device',
    args: () => ['show', 'node-fx-app', '--store', '/dev/null'],
    says: /^--store \/dev\/null: a character device, not a directory; give a directory/,
  },
  {
    name: '--store https://',
    args: () => ['show', 'node-fx-app', '--store', 'https://store.example/bale'],
    says: /^--store https:\/\/store\.example\/bale: https:\/\/ cannot hold a store; give a directory, or oci:\/\//,
  },
  {
    name: '--store oci:// without a host',
    args: () => ['show', 'node-fx-app', '--store', 'oci://'],
    says: /^--store oci:\/\/: "" is not a registry host\[:port\] \(e\.g\. oci:\/\/127\.0\.0\.1:5000\/bale\): fix the registry URL$/,
  },
  {
    name: '--queue http://',
    args: () => ['request', SPEC, '--queue', 'http://127.0.0.1:6379'],
    says: /^--queue http:\/\/127\.0\.0\.1:6379: must be a redis:\/\/ or rediss:\/\/ URL, e.g\. redis:\/\/127\.0\.0\.1:6379$/,
  },
  {
    name: '--queue with no Redis anywhere',
    args: () => ['request', SPEC, '--queue'],
    says: /^no Redis to talk to: pass --queue redis:\/\/HOST:PORT or set BALE_REDIS_URL$/,
  },
  {
    name: '--key missing',
    args: (p) => ['sign', p.file, '--key', p.missing],
    says: /^--key \S+missing: no such file; create one with bale keygen --out PREFIX$/,
  },
  {
    name: '--key naming a device',
    args: (p) => ['sign', p.file, '--key', '/dev/zero'],
    says: /^--key \/dev\/zero: is a character device, not a regular file; create one with bale keygen/,
  },
  {
    name: '--trust naming a directory',
    args: (p) => ['verify', p.file, '--trust', p.folder],
    says: /^--trust \S+a-dir: a directory, not a file; give a minisign public key \(\.pub\)$/,
  },
  {
    name: 'worker --concurrency -5 blames --concurrency',
    args: () => ['worker', '--redis', 'redis://127.0.0.1:1', '--concurrency', '-5'],
    says: /^--concurrency -5: expected a whole number from 1 to 256$/,
  },
  {
    name: 'worker --concurrency 1.5',
    args: () => ['worker', '--redis', 'redis://127.0.0.1:1', '--concurrency', '1.5'],
    says: /^--concurrency 1\.5: expected a whole number from 1 to 256$/,
  },
  {
    name: 'worker --redis http://',
    args: () => ['worker', '--redis', 'http://127.0.0.1:6379'],
    says: /^--redis http:\/\/127\.0\.0\.1:6379: must be a redis:\/\/ or rediss:\/\/ URL/,
  },
  {
    name: 'worker without Redis',
    args: () => ['worker'],
    says: /^no Redis to talk to: pass --redis redis:\/\/HOST:PORT or set BALE_REDIS_URL$/,
  },
  {
    name: 'queue status --redis :::',
    args: () => ['queue', 'status', '--redis', ':::'],
    says: /^--redis :::: not a URL; must be a redis:\/\/ or rediss:\/\/ URL, e\.g\. redis:\/\/127\.0\.0\.1:6379$/,
  },
  {
    name: 'queue retry without --failed',
    args: () => ['queue', 'retry', '--redis', 'redis://127.0.0.1:1'],
    says: /^bale queue retry: say which jobs: --failed$/,
  },
  {
    name: 'enqueue --from-file naming a directory',
    args: (p) => ['enqueue', '--from-file', p.folder, '--redis', 'redis://127.0.0.1:1'],
    says: /^--from-file \S+a-dir: a directory, not a file; give a file with one spec per line$/,
  },
  {
    name: 'enqueue --from-file missing',
    args: (p) => ['enqueue', '--from-file', p.missing, '--redis', 'redis://127.0.0.1:1'],
    says: /^--from-file \S+missing: no such file; give a file with one spec per line$/,
  },
  {
    name: 'import --from-file naming a directory',
    args: (p) => ['import', '--from-file', p.folder],
    says: /^--from-file \S+a-dir: a directory, not a file; give a file with one spec per line$/,
  },
  {
    name: 'build --from-file missing',
    args: (p) => ['build', '--from-file', p.missing, '--keep-going'],
    says: /^--from-file \S+missing: no such file; give a file with one spec per line$/,
  },
  {
    name: 'request --report under a file',
    args: (p) => ['request', SPEC, '--keep-going', '--report', `${p.file}/report.json`],
    says: /^--report \S+\/report\.json: cannot write there \(a parent is not a directory\): choose another path$/,
  },
  {
    name: 'import --report naming a directory',
    args: (p) => ['import', SPEC, '--keep-going', '--report', p.folder],
    says: /^--report \S+a-dir: exists and is a directory, not a regular file: bale replaces only a regular file; choose another path, or remove it first$/,
  },
  {
    name: 'import --report without --keep-going',
    args: (p) => ['import', SPEC, '--report', `${p.dir}/r.json`],
    says: /^--report \S+r\.json: the report lists the roots --keep-going kept going past: add --keep-going$/,
  },
  {
    name: 'image compose --name App',
    args: () => ['image', 'compose', SPEC, '--name', 'App', '--tag', '1', '-o', 'x.image.toml'],
    says: /^--name App: expected an image name: lowercase letters, digits, \. _ - separated by \/, e\.g\. app or team\/app$/,
  },
  {
    name: 'image compose --tag .hidden',
    args: () => ['image', 'compose', SPEC, '--name', 'app', '--tag', '.hidden', '-o', 'x.image.toml'],
    says: /^--tag \.hidden: expected a tag: letters, digits, _ \. -, at most 128/,
  },
  {
    name: 'image compose -o naming a directory',
    args: (p) => ['image', 'compose', SPEC, '--name', 'app', '--tag', '1', '-o', p.folder],
    says: /^-o \S+a-dir: exists and is a directory, not a regular file: bale replaces only a regular file; choose another path, or remove it first$/,
  },
  {
    name: 'image compose --base unknown',
    args: (p) => [
      'image',
      'compose',
      SPEC,
      '--name',
      'app',
      '--tag',
      '1',
      '-o',
      path.join(p.dir, 'x.image.toml'),
      '--unsigned',
      '--base',
      'alpine:3.20',
    ],
    says: /^--base alpine:3\.20: unknown base; bale knows debian:bookworm$/,
  },
  {
    name: 'image compose without --name',
    args: () => ['image', 'compose', SPEC],
    says: /^bale image compose: needs --name NAME, --tag TAG and -o FILE/,
  },
  {
    name: 'image export --oci naming a file',
    args: (p) => ['image', 'export', 'app.image.toml', '--oci', p.file],
    says: /^--oci \S+a-file: exists and is a regular file, not a directory: bale writes only into a directory; choose another path, or remove it first$/,
  },
  {
    name: 'image export --rootfs naming a directory',
    args: (p) => ['image', 'export', 'app.image.toml', '--rootfs', p.folder],
    says: /^--rootfs \S+a-dir: exists and is a directory, not a regular file: bale replaces only a regular file; choose another path, or remove it first$/,
  },
  {
    name: 'image export --sbom below a file',
    args: (p) => ['image', 'export', 'app.image.toml', '--rootfs', path.join(p.dir, 'r.tar'), '--sbom', path.join(p.file, 's.json')],
    says: /^--sbom \S+a-file\/s\.json: cannot write there \(a parent is not a directory\): choose another path$/,
  },
  {
    name: 'image export with nothing to write',
    args: () => ['image', 'export', 'app.image.toml'],
    says: /^bale image export: say what to write: --oci DIR and\/or --rootfs FILE$/,
  },
  {
    name: 'push --to https://',
    args: () => ['push', 'app.image.toml', '--to', 'https://registry.example/bale'],
    says: /^--to https:\/\/registry\.example\/bale: a registry URL starts with oci:\/\/ \(e\.g\. oci:\/\/127\.0\.0\.1:5000\/bale\): fix the registry URL$/,
  },
  {
    name: 'push --to oci:// with a bad namespace',
    args: () => ['push', 'app.image.toml', '--to', 'oci://127.0.0.1:5000/Bad_NS'],
    says: /^--to oci:\/\/127\.0\.0\.1:5000\/Bad_NS: "Bad_NS" is not a valid registry namespace/,
  },
  {
    name: 'pull a reference without a repository',
    args: () => ['pull', 'oci://127.0.0.1:5000'],
    says: /^bale pull oci:\/\/127\.0\.0\.1:5000: names no repository \(e\.g\. oci:\/\/127\.0\.0\.1:5000\/bale\/app:1\): fix the image reference$/,
  },
  {
    name: 'pull an https:// reference',
    args: () => ['pull', 'https://registry.example/bale/app:1'],
    says: /^bale pull https:\/\/registry\.example\/bale\/app:1: .*starts with oci:\/\//,
  },
  {
    name: 'pull -o naming a directory',
    args: (p) => ['pull', 'oci://127.0.0.1:1/bale/app:1', '-o', p.folder],
    says: /^-o \S+a-dir: exists and is a directory, not a regular file: bale replaces only a regular file; choose another path, or remove it first$/,
  },
  {
    name: 'who-uses --registry https://',
    args: () => ['who-uses', 'node-fx-app', '--registry', 'https://registry.example/bale'],
    says: /^--registry https:\/\/registry\.example\/bale: a registry URL starts with oci:\/\//,
  },
  {
    name: 'keygen --out below a file',
    args: (p) => ['keygen', '--out', path.join(p.file, 'me')],
    says: /^--out \S+a-file\/me: cannot write there \(a parent is not a directory\): choose another path$/,
  },
  { name: 'keygen without --out', args: () => ['keygen'], says: /^bale keygen: say where: --out PREFIX/ },
  // The environment's equivalents name the variable.
  {
    name: 'BALE_STORE naming a regular file',
    args: () => ['show', 'node-fx-app'],
    env: (p) => ({ BALE_STORE: p.file }),
    says: /^BALE_STORE=\S+a-file: a regular file, not a directory; give a directory, or oci:\/\//,
  },
  {
    name: 'BALE_STORE https://',
    args: () => ['build', SPEC],
    env: () => ({ BALE_STORE: 'https://x/' }),
    says: /^BALE_STORE=https:\/\/x\/: https:\/\/ cannot hold a store/,
  },
  {
    name: 'BALE_RECIPES naming a regular file',
    args: () => ['build', SPEC],
    env: (p) => ({ BALE_RECIPES: p.file }),
    says: /^BALE_RECIPES=\S+a-file: a regular file, not a directory/,
  },
  {
    name: 'BALE_REDIS_URL http:// (queue status)',
    args: () => ['queue', 'status'],
    env: () => ({ BALE_REDIS_URL: 'http://127.0.0.1:6379' }),
    says: /^BALE_REDIS_URL=http:\/\/127\.0\.0\.1:6379: must be a redis:\/\/ or rediss:\/\/ URL/,
  },
  {
    name: 'BALE_REDIS_URL http:// (request --queue)',
    args: () => ['request', SPEC, '--queue'],
    env: () => ({ BALE_REDIS_URL: 'http://127.0.0.1:6379' }),
    says: /^BALE_REDIS_URL=http:\/\/127\.0\.0\.1:6379: must be a redis:\/\/ or rediss:\/\/ URL/,
  },
  {
    name: 'BALE_SIGNING_KEY missing',
    args: (p) => ['sign', p.file],
    env: (p) => ({ BALE_SIGNING_KEY: p.missing }),
    says: /^BALE_SIGNING_KEY=\S+missing: no such file; create one with bale keygen --out PREFIX, or unset it$/,
  },
  {
    name: 'BALE_QUEUE_LOCK_MS not a number',
    args: () => ['worker', '--redis', 'redis://127.0.0.1:1'],
    env: () => ({ BALE_QUEUE_LOCK_MS: 'soon' }),
    says: /^BALE_QUEUE_LOCK_MS=soon: expected a whole number from 1000 to 3600000$/,
  },
  {
    name: 'XDG_CACHE_HOME naming a regular file',
    args: () => ['request', SPEC],
    env: (p) => ({ XDG_CACHE_HOME: p.file }),
    says: /^XDG_CACHE_HOME=\S+a-file: a regular file, not a directory; set XDG_CACHE_HOME to a directory bale may write to$/,
  },
  // What a bad flag echoes is escaped and redacted like everything else.
  {
    name: 'a password in a bad --registry is redacted',
    args: () => ['import', SPEC, '--registry', 'ftp://alice:s3cret@mirror.example/npm/'],
    says: /^--registry ftp:\/\/alice:\*\*\*@mirror\.example\/npm\/: must be an http\(s\) URL/,
  },
  {
    name: 'an escape sequence in --registry is shown, not played',
    args: () => ['import', SPEC, '--registry', 'http://x\x1b[2J/'],
    says: /^--registry http:\/\/x\\x1b\[2J\/: holds a control character; must be an http\(s\) URL/,
  },
  {
    name: 'an escape sequence in a --store file name is shown, not played',
    args: (p) => ['show', 'node-fx-app', '--store', path.join(p.dir, 'evil\x1b]0;owned\x07')],
    says: /^--store \S+evil\\x1b\]0;owned\\x07: a regular file, not a directory/,
  },
];

describe('hostile flags: one line, exit 2, naming the flag and what to do', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let p: Paths;
  let home: Record<string, string>;

  before(async () => {
    t = await tempDir('hostile-flags');
    p = { dir: t.dir, file: path.join(t.dir, 'a-file'), folder: path.join(t.dir, 'a-dir'), missing: path.join(t.dir, 'missing') };
    await writeFile(p.file, 'not a directory\n');
    await writeFile(path.join(t.dir, 'evil\x1b]0;owned\x07'), 'a file with an escape sequence in its name\n');
    await mkdir(p.folder);
    // No default of this machine's user is looked at, and no Redis, key or store of theirs.
    home = {
      HOME: path.join(t.dir, 'home'),
      XDG_DATA_HOME: path.join(t.dir, 'home', 'data'),
      XDG_CONFIG_HOME: path.join(t.dir, 'home', 'config'),
      XDG_CACHE_HOME: path.join(t.dir, 'home', 'cache'),
      BALE_STORE: '',
      BALE_RECIPES: '',
      BALE_REDIS_URL: '',
      BALE_SIGNING_KEY: '',
      BALE_QUEUE_LOCK_MS: '',
    };
  });
  after(() => t.cleanup());

  for (const c of CASES) {
    test(c.name, async () => {
      // A registry that refuses, first: were a check missing, nothing would reach the network.
      const r = await bale(['--registry', 'http://127.0.0.1:9/', ...c.args(p)], {
        cwd: t.dir,
        env: { ...home, ...c.env?.(p) },
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 2, `${r.stderr}\n${r.stdout}`);
      assert.equal(r.stdout, '');
      const line = oneErrorLine(r.stderr).slice('bale: error: '.length);
      assert.match(line, c.says);
      assert.doesNotMatch(r.stderr, RAW_CONTROL);
      assert.doesNotMatch(r.stderr, /s3cret|internal error|\n\s+at /);
      assert.deepEqual(await listFiles(path.join(t.dir, 'home', 'data')), [], 'nothing written to the default recipes or store');
    });
  }

  test('a stale BALE_STORE, BALE_RECIPES or XDG_CACHE_HOME breaks no command that does not use it', async () => {
    const stale = { ...home, BALE_STORE: p.file, BALE_RECIPES: p.file, XDG_CACHE_HOME: p.file };
    const key = path.join(t.dir, 'stale-key');
    for (const args of [
      ['keygen', '--out', key],
      ['sign', p.file, '--key', `${key}.key`],
      ['verify', p.file, '--trust', `${key}.pub`],
    ]) {
      const r = await bale(args, { cwd: t.dir, env: stale });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    // ... while one that does use it still names it.
    const r = await bale(['show', 'node-fx-app'], { cwd: t.dir, env: stale });
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneErrorLine(r.stderr), /^bale: error: BALE_STORE=\S+a-file: a regular file, not a directory/);
  });

  test('--concurrency -5 does not blame --jobs', async () => {
    const r = await bale(['worker', '--redis', 'redis://127.0.0.1:1', '--concurrency', '-5'], { cwd: t.dir, env: home });
    assert.equal(r.code, 2, r.stderr);
    assert.doesNotMatch(r.stderr, /--jobs/);
  });
});

describe('hostile input echoed back: escaped, passwords redacted', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let env: Record<string, string>;
  before(async () => {
    t = await tempDir('hostile-echo');
    env = {
      HOME: path.join(t.dir, 'home'),
      XDG_DATA_HOME: path.join(t.dir, 'home', 'data'),
      XDG_CACHE_HOME: path.join(t.dir, 'home', 'cache'),
      BALE_STORE: '',
      BALE_RECIPES: '',
    };
  });
  after(() => t.cleanup());
  const run = (args: string[]) =>
    bale([...args, '--recipes', path.join(t.dir, 'r'), '--store', path.join(t.dir, 's')], { cwd: t.dir, env, timeoutMs: 120_000 });

  const specs: [string, string, RegExp][] = [
    ['a spec with ESC[2J (clear screen)', 'npm:a\x1b[2Jb', /invalid package spec "npm:a\\x1b\[2Jb"/],
    ['a spec with a carriage return (overwrites the line)', 'npm:a\rFAKE', /invalid package spec "npm:a\\rFAKE"/],
    ['a spec with an OSC title sequence', 'npm:a\x1b]0;pwned\x07', /invalid package spec "npm:a\\x1b\]0;pwned\\x07"/],
    ['a spec with a bidi override', 'npm:a\u202egnp.exe', /invalid package spec "npm:a\\u202egnp\.exe"/],
    ['a spec with a C1 CSI', 'npm:a\u009b2J', /invalid package spec "npm:a\\x9b2J"/],
  ];
  for (const [name, spec, says] of specs) {
    test(name, async () => {
      const r = await run(['request', spec, '--registry', 'http://127.0.0.1:9/']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(oneErrorLine(r.stderr), says);
      assert.doesNotMatch(r.stderr, RAW_CONTROL);
    });
  }

  test('NUL and ESC from a spec file (enqueue --from-file) are shown as \\0 and \\x1b', async () => {
    const file = path.join(t.dir, 'specs.txt');
    await writeFile(file, 'npm:a\0b\x1b[2J\n');
    const r = await run(['enqueue', '--from-file', file, '--redis', 'redis://127.0.0.1:1']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneErrorLine(r.stderr), /invalid package spec "npm:a\\0b\\x1b\[2J"/);
    assert.doesNotMatch(r.stderr, /\0|\x1b/);
  });

  test('a password in the registry URL is redacted in the error', async () => {
    const r = await run(['request', 'npm:fx-app@1.0.0', '--registry', 'http://alice:s3cret@127.0.0.1:9/']);
    assert.equal(r.code, 75, r.stderr);
    assert.match(oneErrorLine(r.stderr), /registry http:\/\/alice:\*\*\*@127\.0\.0\.1:9\/ failed for "fx-app" \(ECONNREFUSED\)/);
    assert.doesNotMatch(r.stderr, /s3cret/);
  });

  test("a password in a recipe's source URL is redacted in the error", async () => {
    const recipe = path.join(t.dir, 'with-password.toml');
    await writeFile(
      recipe,
      [
        'format = 1',
        'purl = "pkg:npm/fx-peer@1.0.0"',
        'source_date_epoch = 1577836800',
        '',
        '[[source]]',
        'url = "http://alice:s3cret@127.0.0.1:9/fx-peer/-/fx-peer-1.0.0.tgz"',
        'integrity = "sha512-3ZqGLyRkJ2Z2cY+CxamwM72efcfnkQqjLbJwEv0AmFrKFWueTLZ+yCQGXsF9QCG/BAdRvW9Og9auCg/AEQqK/w=="',
        'kind = "npm-tarball"',
        '',
        '[build]',
        'native = false',
        '',
      ].join('\n'),
    );
    const r = await run(['build', recipe]);
    assert.equal(r.code, 75, r.stderr);
    assert.match(oneErrorLine(r.stderr), /http:\/\/alice:\*\*\*@127\.0\.0\.1:9\/fx-peer\/-\/fx-peer-1\.0\.0\.tgz/);
    assert.doesNotMatch(r.stderr, /s3cret/);
  });
});

describe('SOURCE_DATE_EPOCH out of range names the recipe and the package', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let registry: FixtureRegistry;
  before(async () => {
    t = await tempDir('hostile-epoch');
    registry = await startNpmRegistry();
    const r = await bale(['import', 'npm:fx-peer@1.0.0', '--registry', registry.url, '--recipes', path.join(t.dir, 'r')], {
      env: { XDG_CACHE_HOME: path.join(t.dir, 'c') },
    });
    assert.equal(r.code, 0, r.stderr);
    const file = path.join(t.dir, 'r', 'npm', 'fx-peer', '1.0.0.toml');
    // 2065: a registry's wrong date, or a hand edit; the packer writes up to 2038.
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^source_date_epoch = \d+$/m, 'source_date_epoch = 3000000000'));
  });
  after(async () => {
    await registry.close();
    await t.cleanup();
  });

  test('a recipe in the tree: its file, the package, what to do; nothing stored', async () => {
    const r = await bale(['build', 'npm:fx-peer@1.0.0', '--recipes', path.join(t.dir, 'r'), '--store', path.join(t.dir, 's')], {
      env: { XDG_CACHE_HOME: path.join(t.dir, 'c') },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      oneErrorLine(r.stderr),
      /recipe \S+\/r\/npm\/fx-peer\/1\.0\.0\.toml: source_date_epoch: must be seconds since 1970, not milliseconds, at most 2147483647 \(2038-01-19\): use the upstream release time \(package pkg:npm\/fx-peer@1\.0\.0\)$/,
    );
    assert.deepEqual(await listFiles(path.join(t.dir, 's')), []);
  });

  test('a recipe file named by hand (which may not say what it is): the package too', async () => {
    const hand = path.join(t.dir, 'hand.toml');
    await rename(path.join(t.dir, 'r', 'npm', 'fx-peer', '1.0.0.toml'), hand);
    const r = await bale(['build', hand, '--recipes', path.join(t.dir, 'r'), '--store', path.join(t.dir, 's')], {
      env: { XDG_CACHE_HOME: path.join(t.dir, 'c') },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      oneErrorLine(r.stderr),
      /recipe \S+\/hand\.toml: source_date_epoch: .*at most 2147483647.*upstream release time \(package pkg:npm\/fx-peer@1\.0\.0\)$/,
    );
    assert.deepEqual(await listFiles(path.join(t.dir, 's')), []);
  });
});

describe('a Redis outage: one line when lost, one when back, no ioredis stacks', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  const servers: RedisServer[] = [];
  const workers: WorkerProcess[] = [];
  before(async () => {
    t = await tempDir('hostile-redis');
  });
  after(async () => {
    await stopAll(workers);
    for (const s of servers) await s.stop();
    await t.cleanup();
  });

  const until = async (what: () => boolean | Promise<boolean>, label: () => string, ms = 30_000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!(await what())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${label()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** Two outages: stop Redis until `text()` says it was lost, start it until it says it is back. */
  const twoOutages = async (redis: RedisServer, text: () => string): Promise<void> => {
    for (const n of [1, 2]) {
      await redis.stop();
      await until(
        () => (text().match(/lost Redis/g) ?? []).length >= n,
        () => `lost #${n} in:\n${text()}`,
      );
      await redis.start();
      await until(
        () => (text().match(/Redis back/g) ?? []).length >= n,
        () => `back #${n} in:\n${text()}`,
      );
    }
  };
  const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

  test('worker: "lost Redis at redis://HOST:PORT (...), retrying" and "Redis back", once per change', async () => {
    const redis = await startRedis(path.join(t.dir, 'w-redis'));
    servers.push(redis);
    const w = await startWorkerProcess({ redis: redis.url, store: path.join(t.dir, 'ws'), recipes: path.join(t.dir, 'wr') });
    workers.push(w);
    await twoOutages(redis, () => w.log());
    w.proc.kill('SIGTERM');
    assert.equal(await w.exited, 0, w.log());
    const got = lines(w.log());
    const lost = new RegExp(
      `^bale worker: lost Redis at redis://127\\.0\\.0\\.1:${redis.port}/? \\(([A-Z]+|connection closed)\\), retrying$`,
    );
    assert.equal(got.filter((l) => lost.test(l)).length, 2, got.join('\n'));
    assert.equal(got.filter((l) => l === 'bale worker: Redis back').length, 2, got.join('\n'));
    // The start line, two outages of two lines, the SIGTERM line: nothing else.
    assert.equal(got.length, 6, got.join('\n'));
    assert.doesNotMatch(w.log(), /\n\s+at |Error:|errno|ECONNREFUSED 127/);
  });

  test('enqueue --wait: the same two lines per outage while it waits, no stack', async () => {
    const redis = await startRedis(path.join(t.dir, 'p-redis'));
    servers.push(redis);
    const proc = execa(
      process.execPath,
      [
        BALE_BIN,
        'enqueue',
        'npm:fx-app@1.0.0',
        '--import',
        '--wait',
        '--redis',
        redis.url,
        '--store',
        path.join(t.dir, 'ps'),
        '--recipes',
        path.join(t.dir, 'pr'),
      ],
      {
        cwd: repoRoot(),
        env: { XDG_CACHE_HOME: path.join(t.dir, 'pc'), HOME: path.join(t.dir, 'home') },
        reject: false,
        stdin: 'ignore',
        buffer: false,
      },
    );
    let text = '';
    proc.stderr?.on('data', (d: Buffer) => (text += d.toString()));
    try {
      // Waiting: its import job is queued (no worker runs), and it polls.
      const client = new Redis(redis.url, { maxRetriesPerRequest: null });
      const queue = new Queue('bale-import-npm', { connection: client });
      try {
        await until(
          async () => (await queue.getWaitingCount()) === 1,
          () => 'the import job',
        );
      } finally {
        await queue.close();
        client.disconnect();
      }
      await twoOutages(redis, () => text);
    } finally {
      proc.kill('SIGTERM');
      await proc;
    }
    const got = lines(text);
    const lost = new RegExp(`^bale: lost Redis at redis://127\\.0\\.0\\.1:${redis.port}/? \\(([A-Z]+|connection closed)\\), retrying$`);
    assert.equal(got.filter((l) => lost.test(l)).length, 2, text);
    assert.equal(got.filter((l) => l === 'bale: Redis back').length, 2, text);
    // Then the one line every command but the worker prints when stopped by a signal.
    assert.deepEqual(got.slice(4), ['bale: SIGTERM: stopped'], text);
    assert.equal(got.length, 5, text);
    assert.doesNotMatch(text, /\n\s+at |Error:|errno/);
  });
});
