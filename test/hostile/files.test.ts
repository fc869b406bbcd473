/**
 * Hostile files, through the real CLI: every output bale writes to a path a user names refuses a
 * device, fifo, socket, directory or symlink to /dev/null there, in one line, leaving it exactly
 * as it was (run as root, where replacing a device node is possible); a regular file there is
 * replaced atomically. Every file bale reads where a file is expected refuses what never ends
 * (/dev/urandom, a fifo) or is far too large, quickly: each run has a timeout, so a hang fails.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { link, mkdir, open, readFile, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { formatImageFile } from '../../src/image/image-file.js';
import { keygen } from '../../src/sign/index.js';
import { bale, oneErrorLine, tempDir } from '../helpers/cli.js';
import {
  assertUntouched,
  canMknod,
  charDevicePath,
  closeSockets,
  KIND_WORDS,
  makeTarget,
  snapshot,
  TARGET_KINDS,
  tempFilesIn,
  type TargetKind,
} from '../helpers/hostile-targets.js';

/** Generous for a node start, far below "forever". */
const RUN_MS = 20_000;

interface OutputCase {
  flag: string;
  /** The bale arguments writing to `target` (`dir` is the case's own directory). */
  args: (target: string, dir: string) => string[];
  /** Where the target sits, given the case's directory. */
  at: (dir: string) => string;
  /** Kinds that are a valid destination for this output (an existing directory for --oci). */
  valid?: TargetKind[];
  /** How the message names the output (a flag and the path as given, or the path). */
  label: (target: string) => RegExp;
  /** 2 when a flag names the output (a usage error), 1 for a path bale derives (PREFIX.key, FILE.minisig). */
  code: 1 | 2;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('hostile files: outputs and inputs', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let mknodOk = false;
  let n = 0;
  const dir = (x: string): string => path.join(t.dir, x);
  let env: Record<string, string>;
  const run = (args: string[], cwd?: string, more: Record<string, string> = {}) =>
    bale([...args, '--store', dir('store'), '--recipes', dir('recipes')], {
      env: { ...env, ...more },
      timeoutMs: RUN_MS,
      ...(cwd !== undefined ? { cwd } : {}),
    });

  before(async () => {
    t = await tempDir('hostile-files');
    mknodOk = await canMknod(t.dir);
    env = { XDG_CONFIG_HOME: dir('config'), HOME: dir('home'), XDG_DATA_HOME: dir('data'), BALE_SIGNING_KEY: dir('me.key') };
    await keygen(dir('me'));
    // An image of no packages: everything an export writes, with nothing to build.
    await writeFile(dir('app.image.toml'), formatImageFile({ format: 1, name: 'app', tag: '1', packages: [] }));
    const s = await run(['sign', dir('app.image.toml'), '--key', dir('me.key')]);
    assert.equal(s.code, 0, s.stderr);
    await writeFile(dir('plain.txt'), 'sign me\n');
  });
  after(async () => {
    await closeSockets();
    await t.cleanup();
  });

  const trust = (): string[] => ['--trust', dir('me.pub')];
  const OUTPUTS: OutputCase[] = [
    {
      flag: 'image export --rootfs',
      at: (d) => path.join(d, 'out.tar'),
      args: (target) => ['image', 'export', dir('app.image.toml'), '--rootfs', target, '--sbom', `${target}.sbom.json`, ...trust()],
      label: (target) => new RegExp(`^bale: error: --rootfs ${esc(target)}: `),
      code: 2,
    },
    {
      flag: 'image export --oci',
      at: (d) => path.join(d, 'oci'),
      args: (target) => ['image', 'export', dir('app.image.toml'), '--oci', target, '--sbom', `${target}.sbom.json`, ...trust()],
      valid: ['directory'],
      label: (target) => new RegExp(`^bale: error: --oci ${esc(target)}: `),
      code: 2,
    },
    {
      flag: 'image export --sbom',
      at: (d) => path.join(d, 'sbom.json'),
      args: (target, d) => ['image', 'export', dir('app.image.toml'), '--rootfs', path.join(d, 'ok.tar'), '--sbom', target, ...trust()],
      label: (target) => new RegExp(`^bale: error: --sbom ${esc(target)}: `),
      code: 2,
    },
    {
      flag: 'image compose -o',
      at: (d) => path.join(d, 'app.image.toml'),
      args: (target) => ['image', 'compose', 'node-nothing-here', '--name', 'app', '--tag', '1', '-o', target, '--unsigned'],
      label: (target) => new RegExp(`^bale: error: -o ${esc(target)}: `),
      code: 2,
    },
    {
      flag: 'pull -o',
      at: (d) => path.join(d, 'pulled.image.toml'),
      // Nothing listens on port 9: the output must be refused before any connection is tried.
      args: (target) => ['pull', 'oci://127.0.0.1:9/bale/app:1', '-o', target],
      label: (target) => new RegExp(`^bale: error: -o ${esc(target)}: `),
      code: 2,
    },
    {
      flag: 'keygen --out (PREFIX.key)',
      at: (d) => path.join(d, 'k.key'),
      args: (_target, d) => ['keygen', '--out', path.join(d, 'k')],
      label: (target) => new RegExp(`^bale: error: ${esc(target)} already exists, as `),
      code: 1,
    },
    {
      flag: 'sign (FILE.minisig)',
      at: (d) => path.join(d, 'plain.txt.minisig'),
      args: (_target, d) => ['sign', path.join(d, 'plain.txt'), '--key', dir('me.key')],
      label: (target) => new RegExp(`^bale: error: ${esc(target)}: `),
      code: 1,
    },
  ];

  for (const c of OUTPUTS) {
    for (const kind of TARGET_KINDS) {
      if (c.valid?.includes(kind)) continue;
      test(`${c.flag} refuses ${kind === 'directory' ? 'a directory' : `a ${kind}`}, untouched`, { timeout: RUN_MS + 10_000 }, async () => {
        const d = dir(`out${n++}`);
        await mkdir(d);
        await writeFile(path.join(d, 'plain.txt'), 'sign me\n');
        // Without mknod (not root) a flag names /dev/full itself; a path bale derives (PREFIX.key,
        // FILE.minisig) cannot be pointed there, so that case needs root, as CI runs.
        const target = kind === 'char device' && c.code === 2 ? charDevicePath(c.at(d), mknodOk) : c.at(d);
        if (kind === 'char device' && target !== '/dev/full' && !mknodOk)
          assert.fail('a device case for a derived path needs root (mknod): run the suite as root, as .ci/run does');
        await makeTarget(kind, target);
        const seen = snapshot(target);
        const r = await run(c.args(target, d));
        assert.equal(r.code, c.code, `${r.stderr}\n${r.stdout}`);
        const line = oneErrorLine(r.stderr);
        assert.match(line, c.label(target));
        assert.match(line, KIND_WORDS[kind]);
        assertUntouched(seen);
        assert.deepEqual(tempFilesIn(d), [], 'no temp file left');
      });
    }
  }

  test('a regular file is replaced atomically: a new inode renamed over it, complete, no temp left', { timeout: RUN_MS * 2 }, async () => {
    const d = dir('replace');
    await mkdir(d);
    const out = path.join(d, 'out.tar');
    await writeFile(out, 'old content\n');
    // A hard link and an open descriptor see the old file whole: bale never wrote into it.
    await link(out, path.join(d, 'old.tar'));
    const reader = await open(out, 'r');
    try {
      const before = snapshot(out);
      const r = await run(['image', 'export', dir('app.image.toml'), '--rootfs', out, ...trust()]);
      assert.equal(r.code, 0, r.stderr);
      assert.notEqual(snapshot(out).ino, before.ino, 'a new file, renamed into place');
      assert.equal((await reader.readFile()).toString(), 'old content\n');
      assert.equal(await readFile(path.join(d, 'old.tar'), 'utf8'), 'old content\n');
      const listing = await execa('tar', ['-tvf', out]); // a complete tar: tar reads it to its end
      assert.equal(listing.exitCode, 0);
      assert.equal(readFileSync(out).length % 512, 0);
      assert.ok(existsSync(`${out}.spdx.json`));
      assert.deepEqual(tempFilesIn(d), []);
    } finally {
      await reader.close();
    }
  });

  test('a signature over an existing regular .minisig replaces it (new inode), no temp left', { timeout: RUN_MS + 10_000 }, async () => {
    const d = dir('resign');
    await mkdir(d);
    await writeFile(path.join(d, 'f.txt'), 'x\n');
    await writeFile(path.join(d, 'f.txt.minisig'), 'stale\n');
    const before = snapshot(path.join(d, 'f.txt.minisig'));
    const r = await run(['sign', path.join(d, 'f.txt'), '--key', dir('me.key')]);
    assert.equal(r.code, 0, r.stderr);
    assert.notEqual(snapshot(path.join(d, 'f.txt.minisig')).ino, before.ino);
    assert.match(await readFile(path.join(d, 'f.txt.minisig'), 'utf8'), /^untrusted comment: /);
    assert.deepEqual(tempFilesIn(d), []);
  });

  test('outputs under a regular file (a parent that is not a directory): one line each, not an internal error', {
    timeout: RUN_MS * 3,
  }, async () => {
    const under = path.join(dir('plain.txt'), 'x');
    const cases: [string[], RegExp, number][] = [
      [
        ['image', 'export', dir('app.image.toml'), '--rootfs', `${under}.tar`, ...trust()],
        /--rootfs .*plain\.txt\/x\.tar: cannot write there \(a parent is not a directory\)/,
        2,
      ],
      [
        ['image', 'compose', 'node-nothing-here', '--name', 'app', '--tag', '1', '-o', `${under}.image.toml`, '--unsigned'],
        /-o .*plain\.txt\/x\.image\.toml: cannot write there \(a parent is not a directory\)/,
        2,
      ],
      [['keygen', '--out', under], /--out .*plain\.txt\/x: cannot write there \(a parent is not a directory\)/, 2],
    ];
    for (const [args, says, code] of cases) {
      const r = await run(args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(oneErrorLine(r.stderr), says);
    }
    assert.equal(await readFile(dir('plain.txt'), 'utf8'), 'sign me\n');
  });

  // Reads: what never ends, or is far too large, is refused at once.
  interface ReadCase {
    name: string;
    setup: (d: string) => Promise<string[]>;
    says: RegExp;
    /** 2 when a flag names the file (a usage error). @defaultValue 1 */
    code?: 1 | 2;
    /** More environment for the run. */
    env?: (d: string) => Record<string, string>;
  }
  const READS: ReadCase[] = [
    {
      name: 'bale build /dev/urandom',
      setup: async () => ['build', '/dev/urandom'],
      says: /^bale: error: recipe \/dev\/urandom: is a character device, not a regular file/,
    },
    {
      name: 'bale build of a recipe that is a fifo',
      setup: async (d) => {
        await makeTarget('fifo', path.join(d, 'app.toml'));
        return ['build', path.join(d, 'app.toml')];
      },
      says: /recipe .*app\.toml: is a fifo, not a regular file/,
    },
    {
      name: 'bale build of a 50 MB recipe',
      setup: async (d) => {
        await writeFile(path.join(d, 'big.toml'), Buffer.alloc(50 * 1024 * 1024, 0x23)); // 50 MB of '#': one long TOML comment
        return ['build', path.join(d, 'big.toml')];
      },
      says: /recipe .*big\.toml: 52428800 bytes, more than the 1 MiB bale reads of a recipe/,
    },
    {
      name: 'bale verify with a .minisig linked to /dev/urandom',
      setup: async (d) => {
        await writeFile(path.join(d, 'f.txt'), 'x\n');
        await symlink('/dev/urandom', path.join(d, 'f.txt.minisig'));
        return ['verify', path.join(d, 'f.txt'), ...trust()];
      },
      says: /f\.txt\.minisig: is a character device, not a regular file; bale reads a signature only from a regular file/,
    },
    {
      name: 'bale verify trusting a 10 GiB .pub',
      setup: async (d) => {
        const pub = path.join(d, 'huge.pub');
        await writeFile(pub, '');
        await truncate(pub, 10 * 1024 ** 3); // sparse: no disk used, but read whole it would never fit
        await writeFile(path.join(d, 'f.txt'), 'x\n');
        await writeFile(path.join(d, 'f.txt.minisig'), await readFile(dir('app.image.toml.minisig')));
        return ['verify', path.join(d, 'f.txt'), '--trust', pub];
      },
      says: /huge\.pub: 10737418240 bytes, more than the 64 KiB bale reads of a public key/,
    },
    {
      name: 'bale verify trusting a .pub that is a fifo in the trust directory',
      setup: async (d) => {
        await mkdir(path.join(d, 'config', 'bale', 'trusted'), { recursive: true });
        await makeTarget('fifo', path.join(d, 'config', 'bale', 'trusted', 'x.pub'));
        await writeFile(path.join(d, 'f.txt'), 'x\n');
        return ['verify', path.join(d, 'f.txt')];
      },
      env: (d) => ({ XDG_CONFIG_HOME: path.join(d, 'config') }),
      says: /x\.pub: is a fifo, not a regular file; bale reads a public key only from a regular file/,
    },
    {
      name: 'bale sign /dev/urandom',
      setup: async () => ['sign', '/dev/urandom', '--key', dir('me.key')],
      says: /^bale: error: \/dev\/urandom: is a character device, not a regular file/,
    },
    {
      name: 'bale sign with a secret key linked to /dev/zero',
      setup: async (d) => {
        await symlink('/dev/zero', path.join(d, 'zero.key'));
        return ['sign', dir('plain.txt'), '--key', path.join(d, 'zero.key')];
      },
      says: /^bale: error: --key .*zero\.key: is a character device, not a regular file; create one with bale keygen/,
      code: 2,
    },
    {
      name: 'bale image export of an image file that is a fifo',
      setup: async (d) => {
        await makeTarget('fifo', path.join(d, 'fifo.image.toml'));
        return ['image', 'export', path.join(d, 'fifo.image.toml'), '--rootfs', path.join(d, 'x.tar'), ...trust()];
      },
      says: /fifo\.image\.toml: is a fifo, not a regular file; bale reads an image file only from a regular file/,
    },
    {
      name: 'bale enqueue --from-file /dev/urandom',
      setup: async () => ['enqueue', '--from-file', '/dev/urandom', '--redis', 'redis://127.0.0.1:9'],
      says: /^bale: error: --from-file \/dev\/urandom: is a character device, not a regular file/,
      code: 2,
    },
  ];

  for (const c of READS) {
    test(`${c.name}: refused at once, one line`, { timeout: RUN_MS + 10_000 }, async () => {
      const d = dir(`in${n++}`);
      await mkdir(d);
      const started = Date.now();
      const r = await run(await c.setup(d), undefined, c.env?.(d));
      assert.equal(r.code, c.code ?? 1, `exit ${r.code} after ${Date.now() - started} ms\n${r.stderr}\n${r.stdout}`);
      assert.match(oneErrorLine(r.stderr), c.says);
      assert.ok(Date.now() - started < RUN_MS / 2, `took ${Date.now() - started} ms`);
    });
  }
});
