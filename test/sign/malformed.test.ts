/** Malformed or damaged .pub, .key and .minisig files: one-line UserErrors naming the file. */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  formatPublicKey,
  formatSecretKey,
  generateKeyPair,
  keygen,
  loadSecretKey,
  loadTrustList,
  parsePublicKey,
  parseSecretKey,
  signData,
  verifyFile,
} from '../../src/sign/index.js';
import { assertRejectsUser, assertUserError, flipBit, minisignOk, tempDir } from './helpers.js';

/** Re-encode base64 line 2 of a key file after changing its bytes. */
function editBlob(text: string, f: (b: Buffer) => Buffer): string {
  const [comment, b64] = text.split('\n');
  return `${comment}\n${f(Buffer.from(b64!, 'base64')).toString('base64')}\n`;
}

describe('malformed key and signature files', () => {
  const { publicKey, secretKey } = generateKeyPair();
  const pub = formatPublicKey(publicKey);
  const key = formatSecretKey(secretKey);
  const sig = signData(Buffer.from('x'), secretKey, 'c');

  it('rejects malformed public keys, naming the file', () => {
    const b64 = pub.split('\n')[1]!;
    const cases: Record<string, string> = {
      empty: '',
      'one line': `${pub.split('\n')[0]}\n`,
      'no comment prefix': `comment: x\n${b64}\n`,
      'not base64': `untrusted comment: x\n${b64.slice(0, -4)}!!!!\n`,
      short: `untrusted comment: x\n${b64.slice(0, -4)}\n`,
      'extra line': `${pub}RWQ=\n`,
      'a secret key': key,
      'a signature': sig,
      'wrong algorithm': editBlob(pub, (b) => Buffer.concat([Buffer.from('ED'), b.subarray(2)])),
    };
    for (const [what, text] of Object.entries(cases)) {
      assertUserError(() => parsePublicKey(text, '/keys/odd.pub'), 'EKEY', '/keys/odd.pub: not a minisign public key', what);
    }
    // Trailing blank lines and CRLF are fine.
    assert.ok(parsePublicKey(`${pub}\n\n`.replace(/\n/g, '\r\n'), 'ok.pub').key.equals(publicKey.key));
  });

  it('rejects malformed and damaged secret keys, naming the file', () => {
    const cases: Record<string, string> = {
      empty: '',
      'a public key': pub,
      truncated: `${key.split('\n')[0]}\n${key.split('\n')[1]!.slice(0, 100)}\n`,
      'wrong signature algorithm': editBlob(key, (b) => Buffer.concat([Buffer.from('ED'), b.subarray(2)])),
      'unknown kdf': editBlob(key, (b) => Buffer.concat([b.subarray(0, 2), Buffer.from('Ar'), b.subarray(4)])),
      'unknown checksum': editBlob(key, (b) => Buffer.concat([b.subarray(0, 4), Buffer.from('B3'), b.subarray(6)])),
      'seed bit flipped': editBlob(key, (b) => flipBit(b, (54 + 8 + 5) * 8)),
      'key id bit flipped': editBlob(key, (b) => flipBit(b, (54 + 2) * 8)),
      'public half bit flipped': editBlob(key, (b) => flipBit(b, (54 + 8 + 32 + 1) * 8)),
      'checksum bit flipped': editBlob(key, (b) => flipBit(b, (54 + 8 + 64 + 3) * 8)),
    };
    for (const [what, text] of Object.entries(cases)) {
      assertUserError(() => parseSecretKey(text, '/keys/odd.key'), 'EKEY', '/keys/odd.key: not a usable minisign secret key', what);
    }
  });

  it('catches a damaged minisign -W key even though its checksum is all zero', async (t) => {
    const dir = await tempDir(t);
    const keyFile = join(dir, 'ms.key');
    await minisignOk(['-G', '-W', '-p', join(dir, 'ms.pub'), '-s', keyFile]);
    const text = await readFile(keyFile, 'utf8');
    assert.ok(Buffer.from(text.split('\n')[1]!, 'base64').subarray(126).equals(Buffer.alloc(32)), 'minisign -W writes no checksum');
    assert.ok(parseSecretKey(text, keyFile));
    await writeFile(
      keyFile,
      editBlob(text, (b) => flipBit(b, (54 + 8 + 7) * 8)),
    );
    await assertRejectsUser(
      loadSecretKey(keyFile),
      'EKEY',
      `${keyFile}: not a usable minisign secret key (its public half does not belong to its seed`,
    );
  });

  it('names the file for missing or malformed keys on disk', async (t) => {
    const dir = await tempDir(t);
    const missing = join(dir, 'nope.key');
    await assertRejectsUser(loadSecretKey(missing), 'EKEY', `${missing}: cannot read the secret key: no such file`);
    const bad = join(dir, 'bad.key');
    await writeFile(bad, 'hello\n');
    await assertRejectsUser(loadSecretKey(bad), 'EKEY', `${bad}: not a usable minisign secret key`);
    await assertRejectsUser(
      loadSecretKey(dir),
      'EKEY',
      `${dir}: is a directory, not a regular file; bale reads a secret key only from a regular file`,
    );
    const badPub = join(dir, 'bad.pub');
    await writeFile(badPub, key);
    await assertRejectsUser(
      loadTrustList({ trustFiles: [badPub], env: { XDG_CONFIG_HOME: join(dir, 'cfg') } }),
      'EKEY',
      `${badPub}: not a minisign public key`,
    );
  });

  it('rejects malformed .minisig files, naming them', async (t) => {
    const dir = await tempDir(t);
    const { publicFile, secretFile } = await keygen(join(dir, 'k'));
    const keys = [parsePublicKey(await readFile(publicFile), publicFile)];
    const file = join(dir, 'f');
    await writeFile(file, 'x');
    const good = signData(Buffer.from('x'), parseSecretKey(await readFile(secretFile), secretFile), 'c');
    const l = good.trimEnd().split('\n');
    const cases: Record<string, string> = {
      empty: '',
      'three lines': `${l.slice(0, 3).join('\n')}\n`,
      'five lines': `${good}extra\n`,
      'no untrusted prefix': [`x${l[0]}`, l[1], l[2], l[3]].join('\n'),
      'no trusted prefix': [l[0], l[1], `Trusted comment: c`, l[3]].join('\n'),
      'bad signature base64': [l[0], `${l[1]!.slice(1)}`, l[2], l[3]].join('\n'),
      'bad global base64': [l[0], l[1], l[2], `${l[3]!.slice(0, -3)}A==`.replace(/^./, '*')].join('\n'),
      'unknown algorithm': [
        l[0],
        Buffer.concat([Buffer.from('EE'), Buffer.from(l[1]!, 'base64').subarray(2)]).toString('base64'),
        l[2],
        l[3],
      ].join('\n'),
      'a public key': await readFile(publicFile, 'utf8'),
    };
    for (const [what, text] of Object.entries(cases)) {
      await writeFile(`${file}.minisig`, text);
      await assertRejectsUser(verifyFile(file, keys), 'ESIGFORMAT', `${file}.minisig: not a minisign signature`, what);
    }
  });
});
