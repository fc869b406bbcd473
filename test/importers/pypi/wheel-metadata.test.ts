// wheelMetadata on wheels written by Python's own zipfile: the plain cases read, the odd ones left
// (undefined) to the full reader; and on the fixture wheels, the same text the full reader finds.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { readZip } from '../../../src/archive/zip.js';
import { wheelMetadata } from '../../../importers/pypi/wheel-metadata.js';
import { pypiFixtureDists, python3 } from '../../helpers/pypi-dists.js';

const META = `Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: idna>=2\n\nA long description ${'x'.repeat(5000)}\n`;

/** A zip from Python's zipfile: `entries` are [name, text], `how` picks compression and zip64. */
function pyZip(entries: [string, string][], how: { stored?: boolean; zip64?: boolean } = {}): Buffer {
  const script = [
    'import io, json, sys, zipfile',
    'spec = json.loads(sys.argv[1])',
    'buf = io.BytesIO()',
    'with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED if spec["stored"] else zipfile.ZIP_DEFLATED) as z:',
    '    for name, text in spec["entries"]:',
    '        with z.open(name, "w", force_zip64=spec["zip64"]) as f: f.write(text.encode())',
    'sys.stdout.buffer.write(buf.getvalue())',
  ].join('\n');
  return execFileSync(python3(), ['-c', script, JSON.stringify({ entries, stored: how.stored === true, zip64: how.zip64 === true })]);
}

const wheel = (meta: string = META): [string, string][] => [
  ['demo/__init__.py', 'x = 1\n'],
  ['demo-1.0.dist-info/METADATA', meta],
  ['demo-1.0.dist-info/RECORD', ''],
];

test('deflated and stored METADATA are read, whatever else the wheel holds', () => {
  assert.equal(wheelMetadata(pyZip(wheel())), META);
  assert.equal(wheelMetadata(pyZip(wheel(), { stored: true })), META);
  // A comment after the directory moves the end record.
  const commented = pyZip(wheel());
  commented.writeUInt16LE(7, commented.length - 2);
  assert.equal(wheelMetadata(Buffer.concat([commented, Buffer.from('comment')])), META);
  // zip64 extras in the local header (the directory's sizes are plain): skipped by their length.
  assert.equal(wheelMetadata(pyZip(wheel(), { zip64: true })), META);
});

test('what the plain reader does not expect is left to the full reader', () => {
  assert.equal(wheelMetadata(pyZip([...wheel(), ['other-1.0.dist-info/METADATA', META]])), undefined, 'two METADATA');
  assert.equal(wheelMetadata(pyZip([['demo/__init__.py', '']])), undefined, 'none');
  assert.equal(wheelMetadata(Buffer.from('not a zip at all')), undefined, 'garbage');
  const stored = pyZip(wheel(), { stored: true });
  const at = stored.indexOf('A long description');
  stored[at] = 'B'.charCodeAt(0);
  assert.equal(wheelMetadata(stored), undefined, 'CRC mismatch');
  assert.equal(wheelMetadata(stored.subarray(0, stored.length - 30)), undefined, 'truncated');
});

test('on every fixture wheel, the same METADATA the full reader finds', async () => {
  const dists = await pypiFixtureDists();
  let n = 0;
  for (const p of dists.projects.values()) {
    for (const f of p.files.filter((x) => x.kind === 'wheel')) {
      const data = await readFile(f.path);
      const entries = await readZip(data, { source: f.filename }).catch(() => undefined);
      const full = entries?.find((e) => /^[^/]+\.dist-info\/METADATA$/.test(e.path))?.data?.toString('utf8');
      if (full === undefined) continue;
      assert.equal(wheelMetadata(data), full, f.filename);
      n++;
    }
  }
  assert.ok(n >= 10, `only ${n} fixture wheels`);
});
