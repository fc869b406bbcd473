import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { blake2b } from '../../src/sign/blake2b.js';
import { tempDir } from './helpers.js';

/** Lengths around the 128-byte block boundary, where padding and the final flag go wrong. */
const LENGTHS = [0, 1, 3, 63, 64, 111, 112, 127, 128, 129, 255, 256, 257, 1000, 4096];

describe('blake2b', () => {
  it('matches the RFC 7693 appendix A vector (BLAKE2b-512 of "abc")', () => {
    assert.equal(
      blake2b(Buffer.from('abc'), 64).toString('hex'),
      'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1' +
        '7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923',
    );
  });

  it('matches the empty-input BLAKE2b-512 vector', () => {
    assert.equal(
      blake2b(Buffer.alloc(0), 64).toString('hex'),
      '786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419' +
        'd25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce',
    );
  });

  it('agrees with OpenSSL blake2b512 around block boundaries', () => {
    for (const n of LENGTHS) {
      const data = randomBytes(n);
      assert.equal(blake2b(data, 64).toString('hex'), createHash('blake2b512').update(data).digest('hex'), `length ${n}`);
    }
  });

  it('agrees with coreutils b2sum -l for several digest lengths and inputs', async (t) => {
    const dir = await tempDir(t);
    const files: { path: string; data: Buffer }[] = [];
    for (const n of LENGTHS) {
      const path = join(dir, `in-${n}`);
      const data = randomBytes(n);
      await writeFile(path, data);
      files.push({ path, data });
    }
    for (const bits of [8, 160, 224, 256, 384, 504, 512]) {
      const out = execFileSync('b2sum', ['-l', String(bits), ...files.map((f) => f.path)], { encoding: 'utf8' });
      const sums = out
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/)[0]);
      files.forEach((f, i) => {
        assert.equal(blake2b(f.data, bits / 8).toString('hex'), sums[i], `b2sum -l ${bits} of ${f.data.length} bytes`);
      });
    }
  });

  it('is not a truncation of BLAKE2b-512 (the digest length is hashed in)', () => {
    const data = Buffer.from('minisign');
    assert.notEqual(blake2b(data, 32).toString('hex'), blake2b(data, 64).subarray(0, 32).toString('hex'));
  });

  it('rejects digest lengths outside 1..64', () => {
    for (const n of [0, 65, 1.5]) assert.throws(() => blake2b(Buffer.alloc(1), n), RangeError);
  });
});
