/**
 * The password KDF of encrypted minisign secret keys: libsodium's
 * crypto_pwhash_scryptsalsa208sha256, i.e. scrypt whose N/r/p are derived from an
 * (opslimit, memlimit) pair. The derived bytes are xor-ed over the key material.
 */
import { scrypt, scryptSync } from 'node:crypto';

/** What minisign writes: libsodium's *_OPSLIMIT_SENSITIVE and *_MEMLIMIT_SENSITIVE (1 GiB). */
export const MINISIGN_OPSLIMIT = 33554432n;
export const MINISIGN_MEMLIMIT = 1073741824n;

/** Refuse parameters beyond these: a key file should not be able to make bale eat the machine. */
const MAX_MEMORY_BYTES = 2n ** 31n;
const MAX_P = 64n;

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** smallest log2 N with 2^logN > maxN / 2 (libsodium's loop, capped at 63). */
function logNFor(maxN: bigint): bigint {
  let logN = 1n;
  while (logN < 63n && !(1n << logN > maxN / 2n)) logN += 1n;
  return logN;
}

/**
 * libsodium's pickparams(): r is fixed at 8; when the ops budget is the tighter bound, p = 1
 * and N follows from opslimit, otherwise N follows from memlimit and p from what is left.
 * Returns undefined for parameters that are unusable (p = 0) or too expensive to honour.
 */
export function scryptParams(opslimit: bigint, memlimit: bigint): ScryptParams | undefined {
  const ops = opslimit < 32768n ? 32768n : opslimit;
  const r = 8n;
  let logN: bigint;
  let p: bigint;
  if (ops < memlimit / 32n) {
    p = 1n;
    logN = logNFor(ops / (r * 4n));
  } else {
    logN = logNFor(memlimit / (r * 128n));
    let maxrp = ops / 4n / (1n << logN);
    if (maxrp > 0x3fffffffn) maxrp = 0x3fffffffn;
    p = maxrp / r;
  }
  if (p < 1n || p > MAX_P || 128n * r * (1n << logN) > MAX_MEMORY_BYTES) return undefined;
  return { N: Number(1n << logN), r: Number(r), p: Number(p) };
}

/** Memory OpenSSL needs for these parameters (its V and B arrays), plus slack. */
function maxmem(s: ScryptParams): number {
  return 128 * s.r * (s.N + s.p + 2) + 1024 * 1024;
}

export function kdfStreamSync(password: string, salt: Buffer, params: ScryptParams, length: number): Buffer {
  return scryptSync(Buffer.from(password, 'utf8'), salt, length, { ...params, maxmem: maxmem(params) });
}

/** Async form, so a multi-second derivation does not block the event loop. */
export function kdfStream(password: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(Buffer.from(password, 'utf8'), salt, length, { ...params, maxmem: maxmem(params) }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

export function xorInto(target: Buffer, stream: Buffer): void {
  for (let i = 0; i < target.length; i++) target[i] = target[i]! ^ stream[i]!;
}
