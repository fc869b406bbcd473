/**
 * npm rows for packages whose install script only compiles when no prebuilt binary fits, against
 * the live npm registry: sharp >= 0.33 loads the prebuilt @img/sharp-linux-x64 (with libvips from
 * @img/sharp-libvips-linux-x64), usb >= 2 its tarball's prebuilds/linux-x64 N-API binary. Neither
 * may demand the -dev packages a source build would need (libvips-dev, libudev-dev), nor be built
 * per Node; both must load and work from the unpacked packages.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { bale, tempDir } from '../helpers/cli.js';

interface JsonPackage {
  name: string;
  file: string;
  interpreter: string | null;
}

describe('npm packages with prebuilt binaries (live registry): sharp 0.34.5, usb 2.17.0', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let packages: JsonPackage[];
  let root: string;

  before(async () => {
    t = await tempDir('npm-prebuilt');
    const r = await bale(
      ['request', 'npm:sharp@0.34.5', 'npm:usb@2.17.0', '--store', path.join(t.dir, 's'), '--recipes', path.join(t.dir, 'r'), '--json'],
      {
        env: { XDG_CACHE_HOME: path.join(t.dir, 'cache') },
        timeoutMs: 900_000,
      },
    );
    assert.equal(r.code, 0, `the live npm registry must be reachable: ${r.stderr}`);
    packages = (JSON.parse(r.stdout) as { packages: JsonPackage[] }).packages;
    root = path.join(t.dir, 'root');
    await mkdir(root);
    for (const p of packages) await execa('tar', ['-xzf', p.file, '-C', root]);
  });
  after(async () => {
    await t.cleanup();
  });

  test('built once for every Node, from prebuilt binaries, with no native build packages in the recipes', async () => {
    assert.deepEqual(
      packages.filter((p) => p.interpreter !== null).map((p) => p.name),
      [],
    );
    const sharp = await readFile(path.join(t.dir, 'r/npm/sharp/0.34.5.toml'), 'utf8');
    assert.match(sharp, /native = false/);
    assert.doesNotMatch(sharp, /\[native\]/);
    const usb = await readFile(path.join(t.dir, 'r/npm/usb/2.17.0.toml'), 'utf8');
    assert.match(usb, /native = false/);
    assert.match(usb, /\[native\]\nbuild = \[\]\nruntime = \["libudev1"\]\n$/);
  });

  test('both load and work from the unpacked packages', async () => {
    const code = [
      "const sharp = require('sharp');",
      "const usb = require('usb');",
      'sharp({ create: { width: 4, height: 3, channels: 3, background: "red" } }).png().toBuffer()',
      '  .then((b) => sharp(b).metadata())',
      '  .then((m) => console.log(JSON.stringify({ png: [m.format, m.width, m.height], usb: Array.isArray(usb.getDeviceList()) })));',
    ].join('\n');
    const r = await execa(process.execPath, ['-e', code], { cwd: path.join(root, 'usr/lib/node_modules') });
    assert.deepEqual(JSON.parse(r.stdout), { png: ['png', 4, 3], usb: true });
  });
});
