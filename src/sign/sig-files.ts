/**
 * Signing and verifying files on disk, with the signature next to them in `<file>.minisig`
 * (minisign's default name, so `minisign -Vm <file> -p key.pub` finds it).
 */
import { basename } from 'node:path';
import { type ErrorCode, UsageError, UserError } from '../errors/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { hashRegular, readBounded, READ_BOUNDS, type ReadBoundedOptions } from '../util/read-file.js';
import { fsUserError } from './fs-util.js';
import type { PublicKey, SecretKey } from './keys.js';
import { checkSignature, parseSignature, signPrehashed } from './signature.js';

export const SIG_SUFFIX = '.minisig';

export interface SignFileOptions {
  /** Unix seconds for the default trusted comment; beats $SOURCE_DATE_EPOCH. */
  timestamp?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * The timestamp of the default trusted comment. Ed25519 signatures are deterministic, so with
 * a fixed timestamp the whole .minisig is reproducible: an explicit timestamp wins, then
 * $SOURCE_DATE_EPOCH (the reproducible-builds convention), and only then the clock.
 */
export function signatureTimestamp(opts: SignFileOptions = {}): number {
  if (opts.timestamp !== undefined) {
    if (!Number.isSafeInteger(opts.timestamp) || opts.timestamp < 0) throw new RangeError('signFile: timestamp must be whole unix seconds');
    return opts.timestamp;
  }
  const sde = (opts.env ?? process.env).SOURCE_DATE_EPOCH;
  if (sde !== undefined && sde !== '') {
    if (!/^\d{1,15}$/.test(sde)) {
      throw new UsageError(
        `SOURCE_DATE_EPOCH=${JSON.stringify(sde)} is not a unix timestamp: set it to whole seconds since 1970, or unset it`,
      );
    }
    return Number(sde);
  }
  return Math.floor(Date.now() / 1000);
}

/** minisign's default trusted comment for a prehashed signature. */
export function defaultTrustedComment(file: string, timestamp: number): string {
  return `timestamp:${timestamp}\tfile:${basename(file)}\thashed`;
}

/** How a file to sign or verify is read: a regular file only (`bale sign /dev/urandom` is refused, not hashed forever). */
function signedRead(code: ErrorCode, doing: string): ReadBoundedOptions {
  return {
    what: 'a file to sign or verify',
    code,
    hint: 'sign and verify regular files',
    missing: `${doing}: no such file: give an existing, readable file`,
  };
}

/**
 * Sign `file` ("ED", prehashed) and write `<file>.minisig` atomically; returns its path.
 * Without `trustedComment`, uses minisign's default `timestamp:<t>\tfile:<name>\thashed`.
 */
export async function signFile(file: string, key: SecretKey, trustedComment?: string, opts: SignFileOptions = {}): Promise<string> {
  const comment = trustedComment ?? defaultTrustedComment(file, signatureTimestamp(opts));
  const { digest } = await hashRegular(file, 'blake2b512', signedRead('ESIGN', 'cannot sign'));
  const text = signPrehashed(digest, key, comment);
  const sigFile = file + SIG_SUFFIX;
  try {
    await writeFileAtomic(sigFile, text);
  } catch (err) {
    throw fsUserError(err, sigFile, 'ESIGN', 'cannot write the signature', 'sign in a directory you can write to');
  }
  return sigFile;
}

/**
 * The signature beside `file` (`<file>.minisig`), or undefined when it has none: every reader
 * of signatures (verify, push, the registry store) reads them the same bounded way.
 */
export function readSignature(file: string): Promise<Buffer | undefined> {
  return readBounded(file + SIG_SUFFIX, {
    maxBytes: READ_BOUNDS.signature,
    what: 'a signature',
    code: 'ESIGFORMAT',
    hint: 'sign it again with bale sign, or fetch the .minisig published with it',
    optional: true,
  });
}

/**
 * Verify `<file>.minisig` against `keys`: UserError when the signature is missing, malformed
 * or from an untrusted key; IntegrityError when it does not match.
 */
export async function verifyFile(file: string, keys: readonly PublicKey[]): Promise<{ keyId: string; trustedComment: string }> {
  const sigFile = file + SIG_SUFFIX;
  const sigText = await readSignature(file);
  if (sigText === undefined)
    throw new UserError('ENOSIG', `${file}: no signature (${sigFile}): sign it with bale sign, or fetch the .minisig published with it`);
  const sig = parseSignature(sigText, sigFile);
  const read = signedRead('EVERIFY', 'cannot verify');
  // Legacy "Ed" signatures cover the file itself, so those have to read it whole.
  const message = sig.hashed
    ? (await hashRegular(file, 'blake2b512', read)).digest
    : await readBounded(file, { ...read, maxBytes: READ_BOUNDS.legacySigned, what: 'a file signed without prehashing' });
  return checkSignature(sig, message, keys, file);
}
