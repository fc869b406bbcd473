/** Same entries, any order, any umask, any clock, locale or time zone: same bytes. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { PackEntry } from '../../src/packer/entry.js';
import { pack } from '../../src/packer/pack.js';
import { tempDir } from './tar-tools.js';

const EPOCH = 1700000000;
const packModule = fileURLToPath(new URL('../../src/packer/pack.js', import.meta.url));

/** A tree as a build with `umask` would leave it: files 0666 & ~umask, executables 0777 & ~umask. */
function tree(umask: number): PackEntry[] {
  const f = 0o666 & ~umask;
  const x = 0o777 & ~umask;
  return [
    { path: 'usr', type: 'dir', mode: x },
    { path: 'usr/bin', type: 'dir', mode: x },
    { path: 'usr/bin/run', type: 'file', mode: x, data: Buffer.from('#!/bin/sh\n') },
    { path: 'usr/lib/pkg/__init__.py', type: 'file', mode: f, data: Buffer.from('') },
    { path: 'usr/lib/pkg/mod.py', type: 'file', mode: f, data: Buffer.from('x = 1\n') },
    { path: 'usr/lib/pkg/Z.py', type: 'file', mode: f, data: Buffer.from('Z = 1\n') },
    { path: 'usr/lib/pkg/é.py', type: 'file', mode: f, data: Buffer.from('e = 1\n') },
    { path: 'usr/bin/pkg', type: 'symlink', mode: 0o777, target: '../lib/pkg/mod.py' },
  ];
}

/** A fixed shuffle, so a failure reproduces. */
function shuffled<T>(list: T[], seed: number): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('pack: determinism', () => {
  it('ignores input order and umask-shaped modes (0664 vs 0644, 0775 vs 0755, 0700 vs 0755)', async () => {
    const base = await pack(tree(0o022), { sourceDateEpoch: EPOCH });
    for (const [umask, seed] of [
      [0o002, 1],
      [0o077, 2],
      [0o022, 3],
      [0o000, 4],
    ] as const) {
      const other = await pack(shuffled(tree(umask), seed), { sourceDateEpoch: EPOCH });
      assert.equal(other.sha256, base.sha256, `umask ${umask.toString(8)}, shuffle ${seed}`);
    }
  });

  it('writes the tar bytes it wrote when this test was made (catches a tar-stream upgrade changing them)', async () => {
    const r = await pack(
      [
        { path: 'usr/bin/run', type: 'file', mode: 0o755, data: Buffer.from('#!/bin/sh\n') },
        { path: `usr/lib/x/${'long-'.repeat(60)}.txt`, type: 'file', mode: 0o644, data: Buffer.from('long\n') },
        { path: 'usr/lib/x/café', type: 'file', mode: 0o644, data: Buffer.from('') },
        { path: 'usr/bin/x', type: 'symlink', mode: 0o777, target: '../lib/x/café' },
      ],
      { sourceDateEpoch: EPOCH },
    );
    // The tar only: gzip bytes also depend on the zlib bundled with Node, recorded in manifests.
    assert.equal(r.tarSha256, 'c2d6947a94d401b41e94a38d6311d05321eb5b0adaa3837630959350ddc69aeb');
  });

  it('changes when SOURCE_DATE_EPOCH changes', async () => {
    const a = await pack(tree(0o022), { sourceDateEpoch: EPOCH });
    const b = await pack(tree(0o022), { sourceDateEpoch: EPOCH + 1 });
    assert.notEqual(a.tarSha256, b.tarSha256);
  });

  it('gives the same bytes when packs run concurrently', async () => {
    const results = await Promise.all([0, 1, 2, 3].map((seed) => pack(shuffled(tree(0o022), seed), { sourceDateEpoch: EPOCH })));
    assert.deepEqual(new Set(results.map((r) => r.sha256)).size, 1);
  });

  it('gives the same bytes in another process with another time zone, locale and umask', async (t) => {
    const dir = await tempDir(t);
    const script = join(dir, 'pack-child.mjs');
    // The child rebuilds the same tree from JSON and prints the sha256 of its package.
    await writeFile(
      script,
      `import { pack } from ${JSON.stringify(packModule)};
       process.umask(0o077);
       const entries = JSON.parse(process.argv[2]).map((e) => ({ ...e, data: e.data === undefined ? undefined : Buffer.from(e.data, 'base64') }));
       for (const e of entries) if (e.data === undefined) delete e.data;
       const r = await pack(entries, { sourceDateEpoch: ${EPOCH} });
       process.stdout.write(r.sha256);`,
    );
    const wire = JSON.stringify(shuffled(tree(0o002), 9).map((e) => ({ ...e, data: e.data?.toString('base64') })));
    const child = await execa(process.execPath, [script, wire], {
      env: { TZ: 'Pacific/Kiritimati', LC_ALL: 'tr_TR.UTF-8', LANG: 'tr_TR.UTF-8' },
      extendEnv: false,
    });
    const here = await pack(tree(0o022), { sourceDateEpoch: EPOCH });
    assert.equal(child.stdout, here.sha256);
  });
});
