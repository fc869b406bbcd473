/** Key files on disk: `bale keygen` and loading a secret key for signing. */
import { lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UserError } from '../errors/index.js';
import { describeExisting } from '../util/atomic-write.js';
import { READ_BOUNDS } from '../util/read-file.js';
import { createExclusive, fsUserError, isMissing, readFileOr } from './fs-util.js';
import { kdfStream } from './kdf.js';
import { generateKeyPair, keyIdHex, type SecretKey } from './keys.js';
import { formatPublicKey } from './public-key.js';
import {
  decodeSecretKey,
  encryptedKeyNeedsPassword,
  formatSecretKey,
  kdfParamsOf,
  KEYNUM_LENGTH,
  openSecretKey,
  PASSWORD_ENV,
} from './secret-key.js';

/** What is at `file` ("a fifo", "a regular file", "a symbolic link to ..."), or undefined when nothing is. */
async function existing(file: string): Promise<string | undefined> {
  try {
    return await describeExisting(file, await lstat(file));
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw fsUserError(err, file, 'EKEYGEN', 'cannot check for an existing key', 'choose a location you can write to');
  }
}

function alreadyExists(file: string, kind?: string): UserError {
  const what = kind === undefined || kind === 'a regular file' ? '' : `, as ${kind}`;
  return new UserError(
    'EKEYEXISTS',
    `${file} already exists${what}: bale keygen never overwrites a key; choose another name or move the old key pair away`,
  );
}

/**
 * Write a new key pair to `<outPrefix>.pub` (0644) and `<outPrefix>.key` (0600, unencrypted),
 * creating the directory (0700) if needed. Refuses if either file exists; if the public key
 * cannot be written, the secret key just written is removed again.
 */
export async function keygen(outPrefix: string): Promise<{ publicFile: string; secretFile: string; keyId: string }> {
  const publicFile = `${outPrefix}.pub`;
  const secretFile = `${outPrefix}.key`;
  for (const f of [publicFile, secretFile]) {
    const kind = await existing(f);
    if (kind !== undefined) throw alreadyExists(f, kind);
  }
  const hint = 'choose a location you can write to';
  try {
    await mkdir(dirname(secretFile), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw fsUserError(err, dirname(secretFile), 'EKEYGEN', 'cannot create the key directory', hint);
  }
  const { publicKey, secretKey } = generateKeyPair();
  const create = async (file: string, data: string, mode: number): Promise<void> => {
    try {
      await createExclusive(file, data, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyExists(file);
      throw fsUserError(err, file, 'EKEYGEN', 'cannot write the key', hint);
    }
  };
  await create(secretFile, formatSecretKey(secretKey), 0o600);
  try {
    await create(publicFile, formatPublicKey(publicKey), 0o644);
  } catch (err) {
    await unlink(secretFile).catch(() => undefined);
    throw err;
  }
  return { publicFile, secretFile, keyId: keyIdHex(publicKey) };
}

/**
 * Read a secret key file. An encrypted (minisign -G without -W) key is decrypted with the
 * password in $BALE_SIGNING_PASSWORD; minisign's default KDF needs 1 GiB and a few seconds.
 */
export async function loadSecretKey(file: string, opts: { env?: NodeJS.ProcessEnv } = {}): Promise<SecretKey> {
  const text = await readFileOr(file, 'cannot read the secret key', {
    maxBytes: READ_BOUNDS.key,
    what: 'a secret key',
    code: 'EKEY',
    hint: 'create one with bale keygen --out PREFIX',
  });
  const enc = decodeSecretKey(text, file);
  if (!enc.encrypted) return openSecretKey(enc, undefined, file);
  const password = (opts.env ?? process.env)[PASSWORD_ENV];
  if (password === undefined) throw encryptedKeyNeedsPassword(file);
  const stream = await kdfStream(password, enc.salt, kdfParamsOf(enc, file), KEYNUM_LENGTH);
  return openSecretKey(enc, stream, file);
}
