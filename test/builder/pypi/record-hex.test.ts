/**
 * Wheels whose RECORD writes digests in hex (gmsh 4.15.2 does) instead of urlsafe base64: pip
 * installs them, so bale accepts a hex digest that equals the file's, and refuses one that does
 * not with one line saying the row was hex. The installed RECORD is bale's own (base64) either way.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readZip } from '../../../src/archive/index.js';
import { verifyRow } from '../../../src/builder/pypi/record.js';
import { installWheel } from '../../../src/builder/pypi/wheel-install.js';
import { makeWheel } from './make-wheel.js';

const SOURCE = 'gmshlike-4.15.2-py3-none-any.whl';
const MODULE = '"""like gmsh.py: one big module"""\nVERSION = "4.15.2"\n';
const hex = (s: string, alg = 'sha256'): string => createHash(alg).update(s).digest('hex');

async function install(hashes: Record<string, string>) {
  const wheel = makeWheel({ name: 'gmshlike', version: '4.15.2', files: [{ name: 'gmshlike.py', data: MODULE }], record: { hashes } });
  return installWheel(
    await readZip(wheel, { source: SOURCE }),
    { pythonVersion: '3.11', distribution: 'gmshlike', version: '4.15.2' },
    SOURCE,
  );
}

describe('RECORD digests in hex', () => {
  it('a wheel whose RECORD gives sha256 in hex installs; the installed RECORD is base64', async () => {
    const out = await install({ 'gmshlike.py': `sha256=${hex(MODULE)}` });
    const mod = out.main.find((e) => e.path === 'usr/lib/python3.11/site-packages/gmshlike.py');
    assert.equal(mod?.data?.toString(), MODULE);
    const record = out.main.find((e) => e.path.endsWith('.dist-info/RECORD'))!.data!.toString();
    const b64 = createHash('sha256').update(MODULE).digest('base64url');
    assert.ok(record.includes(`gmshlike.py,sha256=${b64},${Buffer.byteLength(MODULE)}\n`), record);
  });

  it('upper-case hex and other algorithms are accepted the same way', () => {
    const data = Buffer.from(MODULE);
    verifyRow({ path: 'gmshlike.py', hash: `sha256=${hex(MODULE).toUpperCase()}`, size: '' }, data, SOURCE);
    verifyRow({ path: 'gmshlike.py', hash: `sha512=${hex(MODULE, 'sha512')}`, size: String(data.length) }, data, SOURCE);
  });

  it('a hex digest that does not match is refused in one line that says it was hex', async () => {
    const wrong = hex(`${MODULE}altered`);
    await assert.rejects(install({ 'gmshlike.py': `sha256=${wrong}` }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'EINTEGRITY');
      assert.equal(
        err.message,
        `${SOURCE}: "gmshlike.py" does not match its RECORD hash (sha256=${wrong} in hex, got sha256=${hex(MODULE)}): the wheel is corrupt or was altered; download it again or pin another version`,
      );
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  });

  it('hex of the wrong length is read as base64, and is a mismatch', () => {
    const short = hex(MODULE).slice(0, 62);
    assert.throws(
      () => verifyRow({ path: 'gmshlike.py', hash: `sha256=${short}`, size: '' }, Buffer.from(MODULE), SOURCE),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'EINTEGRITY');
        assert.match(
          err.message,
          new RegExp(`\\(sha256=${short}, got sha256=${createHash('sha256').update(MODULE).digest('base64url')}\\)`),
        );
        return true;
      },
    );
  });
});
