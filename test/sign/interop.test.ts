/** Round trips with the real minisign, in both directions and with both signature kinds. */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { keygen, keyIdHex, loadSecretKey, parsePublicKey, signData, signFile, verifyData, verifyFile } from '../../src/sign/index.js';
import { assertRejectsUser, minisign, minisignOk, tempDir } from './helpers.js';

async function minisignKeyPair(dir: string, name = 'ms'): Promise<{ pub: string; key: string }> {
  const pub = join(dir, `${name}.pub`);
  const key = join(dir, `${name}.key`);
  await minisignOk(['-G', '-W', '-p', pub, '-s', key]);
  return { pub, key };
}

/** The signature algorithm a .minisig declares: the first 2 bytes of line 2. */
async function sigAlg(sigFile: string): Promise<string> {
  const line = (await readFile(sigFile, 'utf8')).split('\n')[1]!;
  return Buffer.from(line, 'base64').subarray(0, 2).toString('latin1');
}

describe('minisign interop', () => {
  it('minisign verifies a file bale signed, and prints the trusted comment', async (t) => {
    const dir = await tempDir(t);
    const { publicFile, secretFile } = await keygen(join(dir, 'bale'));
    const file = join(dir, 'pkg-1.0.tar.gz');
    await writeFile(file, 'some package bytes\n');
    const key = await loadSecretKey(secretFile);
    const sigFile = await signFile(file, key, undefined, { timestamp: 1700000000 });
    assert.equal(sigFile, `${file}.minisig`);
    assert.equal(await sigAlg(sigFile), 'ED');
    const r = await minisignOk(['-Vm', file, '-p', publicFile]);
    assert.match(r.stdout, /Signature and comment signature verified/);
    assert.ok(r.stdout.includes('Trusted comment: timestamp:1700000000\tfile:pkg-1.0.tar.gz\thashed'), r.stdout);
    // -H: minisign insists on a prehashed signature, which is what bale writes.
    await minisignOk(['-V', '-H', '-m', file, '-p', publicFile]);
  });

  it('minisign verifies a custom (unicode) trusted comment and an empty file', async (t) => {
    const dir = await tempDir(t);
    const { publicFile, secretFile } = await keygen(join(dir, 'k'));
    const file = join(dir, 'empty');
    await writeFile(file, '');
    await signFile(file, await loadSecretKey(secretFile), 'bale: paquet vérifié ✓ sha=abc');
    const r = await minisignOk(['-Vm', file, '-p', publicFile, '-Q']);
    assert.equal(r.stdout.trim(), 'bale: paquet vérifié ✓ sha=abc');
  });

  it('minisign accepts the base64 line of a bale .pub with -P', async (t) => {
    const dir = await tempDir(t);
    const { publicFile, secretFile } = await keygen(join(dir, 'k'));
    const file = join(dir, 'f');
    await writeFile(file, 'x');
    await signFile(file, await loadSecretKey(secretFile));
    const b64 = (await readFile(publicFile, 'utf8')).split('\n')[1]!;
    await minisignOk(['-Vm', file, '-P', b64]);
  });

  it('bale verifies a default (prehashed) minisign signature', async (t) => {
    const dir = await tempDir(t);
    const ms = await minisignKeyPair(dir);
    const file = join(dir, 'data.bin');
    await writeFile(file, Buffer.from([0, 1, 2, 255, 10, 13]));
    await minisignOk(['-S', '-s', ms.key, '-m', file, '-t', 'release 1.2.3']);
    assert.equal(await sigAlg(`${file}.minisig`), 'ED');
    const pub = parsePublicKey(await readFile(ms.pub), ms.pub);
    const r = await verifyFile(file, [pub]);
    assert.deepEqual(r, { keyId: keyIdHex(pub), trustedComment: 'release 1.2.3' });
    // minisign 0.11 prints the id with %lX (no zero padding); bale always pads to 16 digits.
    const shown = /minisign public key ([0-9A-F]+)/.exec(pub.comment ?? '')![1]!;
    assert.equal(r.keyId, shown.padStart(16, '0'));
  });

  it('bale verifies a legacy (-l, "Ed") minisign signature', async (t) => {
    const dir = await tempDir(t);
    const ms = await minisignKeyPair(dir);
    const file = join(dir, 'legacy.txt');
    await writeFile(file, 'legacy signed\n');
    await minisignOk(['-S', '-l', '-s', ms.key, '-m', file]);
    assert.equal(await sigAlg(`${file}.minisig`), 'Ed');
    const pub = parsePublicKey(await readFile(ms.pub), ms.pub);
    const r = await verifyFile(file, [pub]);
    assert.match(r.trustedComment, /^timestamp:\d+\tfile:legacy\.txt$/);
    // And through the in-memory API.
    const again = verifyData(await readFile(file), await readFile(`${file}.minisig`, 'utf8'), [pub], file);
    assert.deepEqual(again, r);
  });

  it('bale signs with a secret key minisign generated (-W), and minisign verifies', async (t) => {
    const dir = await tempDir(t);
    const ms = await minisignKeyPair(dir);
    const key = await loadSecretKey(ms.key);
    const pub = parsePublicKey(await readFile(ms.pub), ms.pub);
    assert.ok(key.keyId.equals(pub.keyId) && key.publicKey.equals(pub.key));
    const file = join(dir, 'f');
    await writeFile(file, 'signed by bale with a minisign key');
    await signFile(file, key);
    await minisignOk(['-Vm', file, '-p', ms.pub]);
  });

  it('minisign signs with a secret key bale generated, and both verify', async (t) => {
    const dir = await tempDir(t);
    const { publicFile, secretFile } = await keygen(join(dir, 'k'));
    const file = join(dir, 'f');
    await writeFile(file, 'signed by minisign with a bale key');
    await minisignOk(['-S', '-s', secretFile, '-m', file]);
    await minisignOk(['-Vm', file, '-p', publicFile]);
    const pub = parsePublicKey(await readFile(publicFile), publicFile);
    await verifyFile(file, [pub]);
    // minisign -R recreates the same public key file content from bale's secret key.
    const recreated = join(dir, 'recreated.pub');
    await minisignOk(['-R', '-s', secretFile, '-p', recreated]);
    const again = parsePublicKey(await readFile(recreated), recreated);
    assert.ok(again.key.equals(pub.key) && again.keyId.equals(pub.keyId));
  });

  it('minisign rejects what bale rejects: a wrong key for a bale signature', async (t) => {
    const dir = await tempDir(t);
    const a = await keygen(join(dir, 'a'));
    const b = await keygen(join(dir, 'b'));
    const file = join(dir, 'f');
    await writeFile(file, 'x');
    await signFile(file, await loadSecretKey(a.secretFile));
    const r = await minisign(['-Vm', file, '-p', b.publicFile]);
    assert.notEqual(r.code, 0);
    await assertRejectsUser(verifyFile(file, [parsePublicKey(await readFile(b.publicFile), b.publicFile)]), 'EUNTRUSTED', a.keyId);
  });

  it('signs deterministically: same key, data and comment give the same .minisig', async (t) => {
    const dir = await tempDir(t);
    const key = await loadSecretKey((await keygen(join(dir, 'k'))).secretFile);
    const data = Buffer.from('reproducible');
    assert.equal(signData(data, key, 'c'), signData(data, key, 'c'));
  });
});
