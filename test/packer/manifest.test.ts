import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUserError } from '../../src/errors/index.js';
import { manifestJson, parseManifest, type PackageManifest } from '../../src/packer/manifest.js';

const HEX = 'ab'.repeat(32);

function sample(): PackageManifest {
  return {
    format: 1,
    name: 'py3.11-requests',
    version: '2.31.0',
    purl: 'pkg:pypi/requests@2.31.0',
    interpreter: { kind: 'python', version: '3.11', abi: 'cp311' },
    recipe_digest: `sha256-${HEX}`,
    source_date_epoch: 1684000000,
    depends: [
      { name: 'py3.11-urllib3', version: '2.0.2' },
      { name: 'py3.11-idna', version: '3.4' },
      { name: 'py3.11-Certifi', version: '2023.5.7' },
    ],
    builder: { bale: '0.1.0', node: '20.20.2', zlib: '1.3.1' },
    tar_sha256: HEX,
    files: [
      { path: 'usr/', type: 'dir', mode: 0o755, size: 0 },
      { path: 'usr/bin/x', type: 'symlink', mode: 0o777, size: 0, target: '../lib/x' },
      { path: 'usr/lib/x', type: 'file', mode: 0o644, size: 3, sha256: HEX },
    ],
  };
}

/** The same manifest with every object's keys inserted in reverse. */
function reversedKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(reversedKeys) as T;
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .reverse()
      .map(([k, x]) => [k, reversedKeys(x)]),
  ) as T;
}

describe('manifestJson', () => {
  it('writes keys in the documented order, whatever order they were built in', () => {
    const text = manifestJson(reversedKeys(sample()));
    assert.equal(text, manifestJson(sample()));
    const keys = Object.keys(JSON.parse(text) as object);
    assert.deepEqual(keys, [
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
    assert.ok(
      text.includes('"path": "usr/bin/x",\n      "type": "symlink",\n      "mode": 511,\n      "size": 0,\n      "target": "../lib/x"'),
    );
  });

  it('sorts depends bytewise and keeps files in the given (tar) order', () => {
    const m = JSON.parse(manifestJson(sample())) as PackageManifest;
    assert.deepEqual(
      m.depends.map((d) => d.name),
      ['py3.11-Certifi', 'py3.11-idna', 'py3.11-urllib3'],
    );
    assert.deepEqual(
      m.files.map((f) => f.path),
      ['usr/', 'usr/bin/x', 'usr/lib/x'],
    );
  });

  it('uses a 2-space indent and ends with one newline', () => {
    const text = manifestJson(sample());
    assert.ok(text.startsWith('{\n  "format": 1,\n  "name": "py3.11-requests",'));
    assert.ok(text.endsWith('}\n') && !text.endsWith('\n\n'));
  });

  it("does not sort the caller's array in place", () => {
    const m = sample();
    manifestJson(m);
    assert.equal(m.depends[0]?.name, 'py3.11-urllib3');
  });
});

describe('parseManifest', () => {
  it('reads back what manifestJson writes', () => {
    const text = manifestJson(sample());
    assert.equal(manifestJson(parseManifest(text, 'm.json')), text);
  });

  it('accepts a null interpreter', () => {
    const m = { ...sample(), interpreter: null };
    assert.equal(parseManifest(manifestJson(m), 'm.json').interpreter, null);
  });

  const bad: [string, (m: Record<string, unknown>) => unknown, RegExp][] = [
    ['an unknown key', (m) => ({ ...m, extra: 1 }), /extra/],
    ['a wrong format', (m) => ({ ...m, format: 2 }), /format/],
    ['a file without sha256', (m) => ({ ...m, files: [{ path: 'a', type: 'file', mode: 420, size: 1 }] }), /files\.0/],
    ['a symlink without target', (m) => ({ ...m, files: [{ path: 'a', type: 'symlink', mode: 511, size: 0 }] }), /files\.0/],
    ['an upper-case tar_sha256', (m) => ({ ...m, tar_sha256: HEX.toUpperCase() }), /tar_sha256/],
    ['a missing name', (m) => ({ ...m, name: undefined }), /name/],
  ];
  for (const [what, change, re] of bad) {
    it(`refuses ${what}, naming the file and the field`, () => {
      const text = JSON.stringify(change(sample() as unknown as Record<string, unknown>));
      assert.throws(
        () => parseManifest(text, '/store/x.manifest.json'),
        (e: unknown) =>
          isUserError(e) && e.message.startsWith('/store/x.manifest.json: ') && re.test(e.message) && !e.message.includes('\n'),
      );
    });
  }

  it('refuses text that is not JSON, naming the file', () => {
    assert.throws(
      () => parseManifest('{"format":', 'bad.json'),
      (e: unknown) => isUserError(e) && /^bad\.json: not valid JSON/.test(e.message),
    );
  });
});
