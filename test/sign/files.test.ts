/** keygen, signFile/verifyFile and the trust list, on real files. */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  formatPublicKey,
  generateKeyPair,
  keygen,
  keyIdHex,
  loadSecretKey,
  loadTrustList,
  parsePublicKey,
  signatureTimestamp,
  signFile,
  trustDir,
  verifyFile,
} from '../../src/sign/index.js';
import { assertRejectsUser, assertUserError, tempDir } from './helpers.js';

describe('keygen', () => {
  it('writes a .pub (0644) and an unencrypted .key (0600) that belong together', async (t) => {
    const dir = await tempDir(t);
    const r = await keygen(join(dir, 'sub', 'dir', 'signing'));
    assert.deepEqual(r, { publicFile: join(dir, 'sub/dir/signing.pub'), secretFile: join(dir, 'sub/dir/signing.key'), keyId: r.keyId });
    assert.match(r.keyId, /^[0-9A-F]{16}$/);
    assert.equal((await stat(r.secretFile)).mode & 0o777, 0o600);
    assert.equal((await stat(r.publicFile)).mode & 0o777, 0o644);
    assert.equal((await stat(join(dir, 'sub'))).mode & 0o777, 0o700);
    const pub = parsePublicKey(await readFile(r.publicFile), r.publicFile);
    const key = await loadSecretKey(r.secretFile);
    assert.equal(keyIdHex(pub), r.keyId);
    assert.ok(key.publicKey.equals(pub.key) && key.keyId.equals(pub.keyId));
    assert.equal(pub.comment, `minisign public key ${r.keyId}`);
    assert.deepEqual((await readdir(join(dir, 'sub/dir'))).sort(), ['signing.key', 'signing.pub'], 'no temp files left');
  });

  it('refuses to overwrite an existing .pub or .key, leaving both untouched', async (t) => {
    const dir = await tempDir(t);
    const prefix = join(dir, 'k');
    const first = await keygen(prefix);
    const before = [await readFile(first.publicFile, 'utf8'), await readFile(first.secretFile, 'utf8')];
    await assertRejectsUser(keygen(prefix), 'EKEYEXISTS', `${first.publicFile} already exists`);
    await writeFile(join(dir, 'only.key'), 'precious');
    await assertRejectsUser(keygen(join(dir, 'only')), 'EKEYEXISTS', `${join(dir, 'only.key')} already exists`);
    assert.deepEqual([await readFile(first.publicFile, 'utf8'), await readFile(first.secretFile, 'utf8')], before);
    assert.equal(await readFile(join(dir, 'only.key'), 'utf8'), 'precious');
    assert.deepEqual((await readdir(dir)).sort(), ['k.key', 'k.pub', 'only.key']);
  });

  it('gives a UserError when the directory cannot be created', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'file'), '');
    await assertRejectsUser(keygen(join(dir, 'file', 'k')), 'EKEYGEN', join(dir, 'file'));
  });
});

describe('signFile / verifyFile', () => {
  it('writes <file>.minisig atomically, replacing an old one, and verifies it', async (t) => {
    const dir = await tempDir(t);
    const { publicFile, secretFile } = await keygen(join(dir, 'k'));
    const file = join(dir, 'pkg.tar');
    await writeFile(file, 'v1');
    const key = await loadSecretKey(secretFile);
    await writeFile(`${file}.minisig`, 'stale');
    const sigFile = await signFile(file, key, 'my comment');
    assert.equal((await stat(sigFile)).mode & 0o777, 0o644);
    const keys = [parsePublicKey(await readFile(publicFile), publicFile)];
    assert.equal((await verifyFile(file, keys)).trustedComment, 'my comment');
    assert.deepEqual((await readdir(dir)).sort(), ['k.key', 'k.pub', 'pkg.tar', 'pkg.tar.minisig']);
  });

  it('is reproducible: SOURCE_DATE_EPOCH fixes the timestamp, an explicit one beats it', async (t) => {
    const dir = await tempDir(t);
    const key = await loadSecretKey((await keygen(join(dir, 'k'))).secretFile);
    const file = join(dir, 'pkg.tar');
    await writeFile(file, 'same bytes');
    const env = { SOURCE_DATE_EPOCH: '1234567890' };
    const one = await readFile(await signFile(file, key, undefined, { env }), 'utf8');
    const two = await readFile(await signFile(file, key, undefined, { env }), 'utf8');
    assert.equal(one, two);
    assert.ok(one.includes('\ntrusted comment: timestamp:1234567890\tfile:pkg.tar\thashed\n'), one);
    const explicit = await readFile(await signFile(file, key, undefined, { env, timestamp: 42 }), 'utf8');
    assert.ok(explicit.includes('timestamp:42\t'));
    assert.equal(signatureTimestamp({ env: {} }) - Math.floor(Date.now() / 1000) <= 1, true);
    assertUserError(() => signatureTimestamp({ env: { SOURCE_DATE_EPOCH: 'yesterday' } }), 'EUSAGE', 'SOURCE_DATE_EPOCH');
  });

  it('names the file when there is nothing to sign or no signature', async (t) => {
    const dir = await tempDir(t);
    const key = generateKeyPair();
    const file = join(dir, 'pkg.tar');
    await assertRejectsUser(signFile(file, key.secretKey), 'ESIGN', `${file}: cannot sign: no such file`);
    await writeFile(file, 'x');
    await assertRejectsUser(verifyFile(file, [key.publicKey]), 'ENOSIG', `${file}: no signature (${file}.minisig): sign it with bale sign`);
    await signFile(file, key.secretKey);
    await writeFile(file, 'y'); // still there, but changed
    await assert.rejects(verifyFile(file, [key.publicKey]), {
      name: 'IntegrityError',
      message: `${file}: signature does not match: the file or its signature was modified; do not use it`,
    });
  });
});

describe('loadTrustList', () => {
  it('reads every *.pub in $XDG_CONFIG_HOME/bale/trusted plus given files and directories', async (t) => {
    const dir = await tempDir(t);
    const trusted = join(dir, 'cfg', 'bale', 'trusted');
    await mkdir(trusted, { recursive: true });
    const [a, b, c, d] = [1, 2, 3, 4].map(() => generateKeyPair().publicKey);
    await writeFile(join(trusted, 'b.pub'), formatPublicKey(b!));
    await writeFile(join(trusted, 'a.pub'), formatPublicKey(a!));
    await writeFile(join(trusted, 'README'), 'not a key');
    const extra = join(dir, 'extra.pub');
    await writeFile(extra, formatPublicKey(c!));
    const extraDir = join(dir, 'more');
    await mkdir(extraDir);
    await writeFile(join(extraDir, 'd.pub'), formatPublicKey(d!));
    const env = { XDG_CONFIG_HOME: join(dir, 'cfg'), HOME: '/nonexistent' };
    assert.equal(trustDir(env), trusted);
    const keys = await loadTrustList({ env, trustFiles: [extra, extraDir] });
    assert.deepEqual(
      keys.map(keyIdHex),
      [a, b, c, d].map((k) => keyIdHex(k!)),
    );
  });

  it('falls back to ~/.config, and a missing default directory is an empty list', async (t) => {
    const dir = await tempDir(t);
    assert.equal(trustDir({ HOME: dir, XDG_CONFIG_HOME: 'relative/ignored' }), join(dir, '.config', 'bale', 'trusted'));
    assert.deepEqual(await loadTrustList({ env: { HOME: dir } }), []);
    const k = generateKeyPair().publicKey;
    await mkdir(join(dir, '.config/bale/trusted'), { recursive: true });
    await writeFile(join(dir, '.config/bale/trusted/k.pub'), formatPublicKey(k));
    assert.equal((await loadTrustList({ env: { HOME: dir } })).length, 1);
  });

  it('names a missing given file and a malformed trusted key', async (t) => {
    const dir = await tempDir(t);
    const env = { HOME: dir };
    const missing = join(dir, 'missing.pub');
    await assertRejectsUser(loadTrustList({ env, trustFiles: [missing] }), 'EKEY', `${missing}: cannot read the trusted key: no such file`);
    const trusted = join(dir, '.config/bale/trusted');
    await mkdir(trusted, { recursive: true });
    await writeFile(join(trusted, 'broken.pub'), 'untrusted comment: x\nnot base64\n');
    await assertRejectsUser(loadTrustList({ env }), 'EKEY', `${join(trusted, 'broken.pub')}: not a minisign public key`);
  });
});
