/** `dropped_scripts` (Debian maintainer scripts not run): optional, so every other manifest keeps its bytes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manifestJson, parseManifest, type PackageManifest } from '../../src/packer/manifest.js';

const HEX = 'cd'.repeat(32);
const base: PackageManifest = {
  format: 1,
  name: 'deb-libc6',
  version: '2.36-9+deb12u10',
  purl: 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u10',
  interpreter: null,
  recipe_digest: HEX,
  source_date_epoch: 1700000000,
  depends: [{ name: 'deb-libgcc-s1', version: '12.2.0-14' }],
  builder: { bale: '0.1.0', node: '20.20.2', zlib: '1.3.1' },
  tar_sha256: HEX,
  files: [{ path: 'lib64/', type: 'dir', mode: 0o755, size: 0 }],
};

describe('dropped_scripts', () => {
  it('absent: the manifest is exactly what it was before the field existed', () => {
    const text = manifestJson(base);
    assert.ok(!text.includes('dropped_scripts'));
    assert.deepEqual(Object.keys(JSON.parse(text) as object), [
      'format',
      'name',
      'version',
      'purl',
      'interpreter',
      'recipe_digest',
      'source_date_epoch',
      'depends',
      'builder',
      'tar_sha256',
      'files',
    ]);
    assert.deepEqual(parseManifest(text, 'm.json'), base);
  });

  it('present: sorted, after depends, and parsed back; [] means none were there', () => {
    const text = manifestJson({ ...base, dropped_scripts: ['triggers', 'postinst', 'preinst'] });
    const keys = Object.keys(JSON.parse(text) as object);
    assert.equal(keys[keys.indexOf('depends') + 1], 'dropped_scripts');
    assert.deepEqual(parseManifest(text, 'm.json').dropped_scripts, ['postinst', 'preinst', 'triggers']);
    assert.deepEqual(parseManifest(manifestJson({ ...base, dropped_scripts: [] }), 'm.json').dropped_scripts, []);
  });

  it('a wrong type is refused with the path', () => {
    const bad = manifestJson(base).replace('"depends"', '"dropped_scripts": "postinst",\n  "depends"');
    assert.throws(() => parseManifest(bad, 'm.json'), { code: 'EMANIFEST', message: /dropped_scripts/ });
  });
});
