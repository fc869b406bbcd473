/**
 * BLAKE2b (RFC 7693) with any digest length from 1 to 64 bytes, unkeyed.
 *
 * Why our own: minisign's secret-key checksum is BLAKE2b-256, and Node's OpenSSL only offers
 * BLAKE2b-512 (a different function: the digest length is part of the parameter block, so
 * truncating BLAKE2b-512 does not give BLAKE2b-256). It only ever hashes ~74 bytes of key
 * material, so it uses BigInt for clarity over speed; bulk hashing (the prehash of signed
 * files) goes through Node's native `blake2b512`.
 */

const IV = [
  0x6a09e667f3bcc908n,
  0xbb67ae8584caa73bn,
  0x3c6ef372fe94f82bn,
  0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n,
  0x9b05688c2b3e6c1fn,
  0x1f83d9abfb41bd6bn,
  0x5be0cd19137e2179n,
];

/** Message word schedule per round (rounds 10 and 11 reuse rows 0 and 1). */
const SIGMA: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

const BLOCK = 128;
const MASK64 = 0xffffffffffffffffn;

/** Rotate right within 64 bits; the BigUint64Array store truncates the left shift. */
function rotr(x: bigint, n: bigint): bigint {
  return (x >> n) | (x << (64n - n));
}

/** The mixing function G on work vector `v` (a BigUint64Array, so every store wraps mod 2^64). */
function mix(v: BigUint64Array, a: number, b: number, c: number, d: number, x: bigint, y: bigint): void {
  v[a] = v[a]! + v[b]! + x;
  v[d] = rotr(v[d]! ^ v[a]!, 32n);
  v[c] = v[c]! + v[d]!;
  v[b] = rotr(v[b]! ^ v[c]!, 24n);
  v[a] = v[a]! + v[b]! + y;
  v[d] = rotr(v[d]! ^ v[a]!, 16n);
  v[c] = v[c]! + v[d]!;
  v[b] = rotr(v[b]! ^ v[c]!, 63n);
}

function compress(h: BigUint64Array, block: Uint8Array, counter: bigint, last: boolean): void {
  const view = new DataView(block.buffer, block.byteOffset, BLOCK);
  const m: bigint[] = [];
  for (let i = 0; i < 16; i++) m.push(view.getBigUint64(i * 8, true));
  const v = new BigUint64Array(16);
  for (let i = 0; i < 8; i++) {
    v[i] = h[i]!;
    v[i + 8] = IV[i]!;
  }
  v[12] = v[12]! ^ (counter & MASK64);
  v[13] = v[13]! ^ (counter >> 64n);
  if (last) v[14] = v[14]! ^ MASK64;
  for (let round = 0; round < 12; round++) {
    const s = SIGMA[round % 10]!;
    const w = (i: number): bigint => m[s[i]!]!;
    mix(v, 0, 4, 8, 12, w(0), w(1));
    mix(v, 1, 5, 9, 13, w(2), w(3));
    mix(v, 2, 6, 10, 14, w(4), w(5));
    mix(v, 3, 7, 11, 15, w(6), w(7));
    mix(v, 0, 5, 10, 15, w(8), w(9));
    mix(v, 1, 6, 11, 12, w(10), w(11));
    mix(v, 2, 7, 8, 13, w(12), w(13));
    mix(v, 3, 4, 9, 14, w(14), w(15));
  }
  for (let i = 0; i < 8; i++) h[i] = h[i]! ^ v[i]! ^ v[i + 8]!;
}

/** BLAKE2b of `data` with an `outLen`-byte digest (1..64), no key. */
export function blake2b(data: Uint8Array, outLen: number): Buffer {
  if (!Number.isInteger(outLen) || outLen < 1 || outLen > 64) {
    throw new RangeError(`blake2b: digest length must be 1..64 bytes, got ${outLen}`);
  }
  const h = new BigUint64Array(IV);
  // Parameter block word 0: digest length, key length 0, fanout 1, depth 1.
  h[0] = h[0]! ^ 0x01010000n ^ BigInt(outLen);
  const block = new Uint8Array(BLOCK);
  let offset = 0;
  // Every full block except the last one is compressed without the final flag; an empty
  // message is one all-zero final block with counter 0.
  while (data.length - offset > BLOCK) {
    block.set(data.subarray(offset, offset + BLOCK));
    offset += BLOCK;
    compress(h, block, BigInt(offset), false);
  }
  block.fill(0);
  block.set(data.subarray(offset));
  compress(h, block, BigInt(data.length), true);
  const out = Buffer.alloc(64);
  for (let i = 0; i < 8; i++) out.writeBigUInt64LE(h[i]!, i * 8);
  return out.subarray(0, outLen);
}
