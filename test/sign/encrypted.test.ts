/**
 * Password-encrypted secret keys ("Sc"): minisign's own keys, decrypted with
 * $BALE_SIGNING_PASSWORD, and keys bale encrypts that minisign can open. minisign's default
 * KDF costs 1 GiB and a few seconds per derivation, so only one test pays for it; the others
 * use keys with small KDF limits (which minisign honours, as they are stored in the key).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  formatEncryptedSecretKey,
  formatPublicKey,
  generateKeyPair,
  loadSecretKey,
  parsePublicKey,
  parseSecretKey,
  signFile,
  verifyFile,
} from '../../src/sign/index.js';
import { scryptParams } from '../../src/sign/kdf.js';
import { assertRejectsUser, assertUserError, minisign, minisignOk, tempDir } from './helpers.js';

const PASSWORD = 'correct horse battery';

describe('encrypted secret keys', () => {
  it('signs with a minisign password-protected key given BALE_SIGNING_PASSWORD, and explains the other cases', async (t) => {
    const dir = await tempDir(t);
    const pubFile = join(dir, 'enc.pub');
    const keyFile = join(dir, 'enc.key');
    await minisignOk(['-G', '-p', pubFile, '-s', keyFile], { input: `${PASSWORD}\n${PASSWORD}\n` });
    assert.equal(
      Buffer.from((await readFile(keyFile, 'utf8')).split('\n')[1]!, 'base64')
        .subarray(2, 4)
        .toString(),
      'Sc',
    );

    await assertRejectsUser(
      loadSecretKey(keyFile, { env: {} }),
      'EKEYPASSWORD',
      `${keyFile}: the secret key is encrypted: set BALE_SIGNING_PASSWORD`,
    );

    const key = await loadSecretKey(keyFile, { env: { BALE_SIGNING_PASSWORD: PASSWORD } });
    const pub = parsePublicKey(await readFile(pubFile), pubFile);
    assert.ok(key.keyId.equals(pub.keyId) && key.publicKey.equals(pub.key));
    const file = join(dir, 'pkg.tar');
    await writeFile(file, 'signed with a decrypted key');
    await signFile(file, key);
    await minisignOk(['-Vm', file, '-p', pubFile]);
    await verifyFile(file, [pub]);
  });

  it("writes encrypted keys minisign opens, for both of libsodium's parameter branches", async (t) => {
    const dir = await tempDir(t);
    const { publicKey, secretKey } = generateKeyPair();
    const pubFile = join(dir, 'k.pub');
    await writeFile(pubFile, formatPublicKey(publicKey));
    // opslimit >= memlimit/32: N from memlimit (2^14), p from opslimit; and opslimit < memlimit/32: p = 1, N from opslimit (2^11).
    for (const limits of [
      { opslimit: 1n << 19n, memlimit: 1n << 24n },
      { opslimit: 1n << 16n, memlimit: 1n << 24n },
    ]) {
      const keyFile = join(dir, `k-${limits.opslimit}.key`);
      const text = formatEncryptedSecretKey(secretKey, PASSWORD, limits);
      await writeFile(keyFile, text, { mode: 0o600 });
      const file = join(dir, `f-${limits.opslimit}`);
      await writeFile(file, 'x');
      await minisignOk(['-S', '-s', keyFile, '-m', file], { input: `${PASSWORD}\n` });
      await verifyFile(file, [publicKey]);
      const wrong = await minisign(['-S', '-s', keyFile, '-m', file], { input: 'nope\n' });
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr, /Wrong password/);
      assert.ok(parseSecretKey(text, keyFile, PASSWORD).seed.equals(secretKey.seed));
      assertUserError(() => parseSecretKey(text, keyFile, 'nope'), 'EKEYPASSWORD', 'wrong password');
      await assertRejectsUser(
        loadSecretKey(keyFile, { env: { BALE_SIGNING_PASSWORD: 'nope' } }),
        'EKEYPASSWORD',
        `${keyFile}: wrong password for this encrypted secret key: check BALE_SIGNING_PASSWORD`,
      );
      assert.ok((await loadSecretKey(keyFile, { env: { BALE_SIGNING_PASSWORD: PASSWORD } })).seed.equals(secretKey.seed));
      // minisign -C -W removes the password: kdf "\0\0", but salt and limits stay and the checksum is real.
      await minisignOk(['-C', '-W', '-s', keyFile], { input: `${PASSWORD}\n` });
      const plain = Buffer.from((await readFile(keyFile, 'utf8')).split('\n')[1]!, 'base64');
      assert.ok(plain.subarray(2, 4).equals(Buffer.alloc(2)) && !plain.subarray(6, 38).equals(Buffer.alloc(32)));
      assert.ok((await loadSecretKey(keyFile, { env: {} })).seed.equals(secretKey.seed));
    }
  });

  it('derives scrypt N/r/p from opslimit/memlimit like libsodium', () => {
    assert.deepEqual(scryptParams(33554432n, 1073741824n), { N: 1 << 20, r: 8, p: 1 }); // minisign's default
    assert.deepEqual(scryptParams(1n << 19n, 1n << 24n), { N: 1 << 14, r: 8, p: 1 });
    assert.deepEqual(scryptParams(1n << 16n, 1n << 24n), { N: 1 << 11, r: 8, p: 1 });
    assert.deepEqual(scryptParams(1n << 24n, 1n << 24n), { N: 1 << 14, r: 8, p: 32 });
    assert.deepEqual(scryptParams(0n, 1n << 30n), { N: 1 << 10, r: 8, p: 1 }); // opslimit raised to 32768
    assert.equal(scryptParams(0n, 0n), undefined); // p would be 512
    assert.equal(scryptParams(1n << 40n, 1n << 40n), undefined); // 1 TiB
  });

  it('refuses a key whose KDF limits would exhaust the machine', async (t) => {
    const dir = await tempDir(t);
    const text = formatEncryptedSecretKey(generateKeyPair().secretKey, PASSWORD, { opslimit: 1n << 16n, memlimit: 1n << 24n });
    const blob = Buffer.from(text.split('\n')[1]!, 'base64');
    blob.writeBigUInt64LE(1n << 40n, 38);
    blob.writeBigUInt64LE(1n << 40n, 46);
    const keyFile = join(dir, 'huge.key');
    await writeFile(keyFile, `untrusted comment: x\n${blob.toString('base64')}\n`);
    await assertRejectsUser(loadSecretKey(keyFile, { env: { BALE_SIGNING_PASSWORD: PASSWORD } }), 'EKEY', 'unsupported scrypt limits');
  });
});
