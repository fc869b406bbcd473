/**
 * Every modification of a signed file or its signature is rejected, with an IntegrityError
 * when the signature does not match and a plain UserError when the input is malformed or
 * from an unknown key. minisign is asked too, so bale is not more lenient than it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { IntegrityError, isUserError } from '../../src/errors/index.js';
import {
  formatPublicKey,
  generateKeyPair,
  keyIdHex,
  parsePublicKey,
  signData,
  signFile,
  verifyData,
  verifyFile,
  type PublicKey,
  type SecretKey,
} from '../../src/sign/index.js';
import { assertIntegrity, assertUserError, flipBit, minisign, tempDir } from './helpers.js';

const DATA = Buffer.from('the package bytes, signed\n'.repeat(20));
const COMMENT = 'timestamp:1700000000\tfile:pkg.tar\thashed';

/** The .minisig lines, and a way to put it back together after changing one. */
function lines(sig: string): string[] {
  return sig.replace(/\n$/, '').split('\n');
}
function join4(l: string[]): string {
  return `${l.join('\n')}\n`;
}
/** Replace base64 line `n` (0-based) by the encoding of `f(decoded bytes)`. */
function editLine(sig: string, n: number, f: (b: Buffer) => Buffer): string {
  const l = lines(sig);
  l[n] = f(Buffer.from(l[n]!, 'base64')).toString('base64');
  return join4(l);
}

describe('tampering', () => {
  let pair: { publicKey: PublicKey; secretKey: SecretKey };
  let sig: string;
  before(() => {
    pair = generateKeyPair();
    sig = signData(DATA, pair.secretKey, COMMENT);
  });
  const verify = (data: Buffer, text: string | Buffer, keys: PublicKey[] = [pair.publicKey]): unknown =>
    verifyData(data, text, keys, 'pkg.tar');

  it('accepts the untouched signature', () => {
    assert.deepEqual(verify(DATA, sig), { keyId: keyIdHex(pair.publicKey), trustedComment: COMMENT });
  });

  it('rejects every single-bit flip of the file', () => {
    for (let bit = 0; bit < DATA.length * 8; bit += 7) assertIntegrity(() => verify(flipBit(DATA, bit), sig), `file bit ${bit}`);
    assertIntegrity(() => verify(Buffer.concat([DATA, Buffer.from('\n')]), sig), 'appended byte');
    assertIntegrity(() => verify(DATA.subarray(1), sig), 'removed byte');
  });

  it('rejects every bit flip of the signature bytes, the trusted comment and the global signature', () => {
    for (let bit = 10 * 8; bit < 74 * 8; bit++) {
      assertIntegrity(
        () =>
          verify(
            DATA,
            editLine(sig, 1, (b) => flipBit(b, bit)),
          ),
        `signature bit ${bit}`,
      );
    }
    const l = lines(sig);
    const prefix = 'trusted comment: '.length;
    for (let i = prefix; i < l[2]!.length; i++) {
      for (const mask of [0x01, 0x02, 0x20]) {
        const changed = [...l];
        const bytes = Buffer.from(changed[2]!, 'latin1');
        bytes[i] = bytes[i]! ^ mask;
        changed[2] = bytes.toString('latin1');
        assertIntegrity(() => verify(DATA, Buffer.from(join4(changed), 'latin1')), `trusted comment byte ${i} ^ ${mask}`);
      }
    }
    for (let bit = 0; bit < 64 * 8; bit++) {
      assertIntegrity(
        () =>
          verify(
            DATA,
            editLine(sig, 3, (b) => flipBit(b, bit)),
          ),
        `global signature bit ${bit}`,
      );
    }
  });

  it('rejects a changed key id as untrusted (UserError naming the id), not as a bad signature', () => {
    for (let bit = 16; bit < 80; bit += 5) {
      const text = editLine(sig, 1, (b) => flipBit(b, bit));
      const id = Buffer.from(lines(text)[1]!, 'base64').subarray(2, 10);
      assertUserError(() => verify(DATA, text), 'EUNTRUSTED', keyIdHex(id));
    }
  });

  it('rejects every bit flip anywhere in lines 2-4 of the text (as some UserError)', () => {
    const text = Buffer.from(sig, 'utf8');
    const start = text.indexOf('\n') + 1;
    const counts = { integrity: 0, other: 0 };
    for (let bit = start * 8; bit < text.length * 8; bit++) {
      try {
        verify(DATA, flipBit(text, bit));
        assert.fail(`bit ${bit} (byte ${bit >> 3}) flipped, but the signature still verified`);
      } catch (err) {
        assert.ok(isUserError(err), `bit ${bit}: ${String(err)}`);
        counts[err instanceof IntegrityError ? 'integrity' : 'other']++;
      }
    }
    assert.ok(counts.integrity > 0 && counts.other > 0, JSON.stringify(counts));
  });

  it('ignores the untrusted comment, which is not signed (minisign does too)', () => {
    const l = lines(sig);
    l[0] = 'untrusted comment: anything at all';
    assert.ok(verify(DATA, join4(l)));
  });

  it('accepts CRLF line endings like minisign', () => {
    assert.ok(verify(DATA, sig.replace(/\n/g, '\r\n')));
  });

  it('rejects a signature from an unknown key with a UserError naming its id', () => {
    const other = generateKeyPair().publicKey;
    assertUserError(() => verify(DATA, sig, [other]), 'EUNTRUSTED', `signed by key ${keyIdHex(pair.publicKey)}, which is not trusted`);
    assertUserError(() => verify(DATA, sig, []), 'EUNTRUSTED', 'no keys are trusted');
  });

  it('tries every trusted key with the id: an impostor sharing the id neither passes nor blocks', () => {
    const impostor: PublicKey = { keyId: pair.publicKey.keyId, key: generateKeyPair().publicKey.key };
    assert.ok(verify(DATA, sig, [impostor, pair.publicKey]));
    assertIntegrity(() => verify(DATA, sig, [impostor]), 'impostor only');
  });

  it('rejects non-canonical base64 (a flip in the padding bits would otherwise go unnoticed)', () => {
    const l = lines(sig);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const g = l[3]!; // 64 bytes: 88 characters ending in "==", 4 unused bits in the last data character
    const last = g.length - 3;
    l[3] = g.slice(0, last) + alphabet[alphabet.indexOf(g[last]!) ^ 1]! + g.slice(last + 1);
    assert.ok(Buffer.from(l[3], 'base64').equals(Buffer.from(g, 'base64')), 'same bytes');
    assertUserError(() => verify(DATA, join4(l)), 'ESIGFORMAT', 'line 4');
  });

  it('minisign agrees: it rejects a flipped file, signature, trusted comment and global signature', async (t) => {
    const dir = await tempDir(t);
    const pub = join(dir, 'k.pub');
    await writeFile(pub, formatPublicKey(pair.publicKey));
    const file = join(dir, 'pkg.tar');
    const l = lines(sig);
    const comment = [...l];
    comment[2] = comment[2]!.replace('1700000000', '1700000001');
    const cases: [string, Buffer, string][] = [
      ['untouched', DATA, sig],
      ['file', flipBit(DATA, 77), sig],
      ['signature', DATA, editLine(sig, 1, (b) => flipBit(b, 300))],
      ['trusted comment', DATA, join4(comment)],
      ['global signature', DATA, editLine(sig, 3, (b) => flipBit(b, 5))],
    ];
    for (const [what, data, text] of cases) {
      await writeFile(file, data);
      await writeFile(`${file}.minisig`, text);
      const r = await minisign(['-Vm', file, '-p', pub]);
      assert.equal(r.code === 0, what === 'untouched', `minisign on ${what}: ${r.stderr}`);
      if (what === 'untouched') await verifyFile(file, [pair.publicKey]);
      else await assert.rejects(verifyFile(file, [pair.publicKey]), IntegrityError, what);
    }
  });

  it('refuses to sign a trusted comment minisign could not carry', () => {
    for (const bad of ['two\nlines', 'cr\rhere', 'nul\0here']) {
      assertUserError(() => signData(DATA, pair.secretKey, bad), 'ECOMMENT', 'single-line');
    }
    assertUserError(() => signData(DATA, pair.secretKey, 'x'.repeat(4001)), 'ECOMMENT', 'shorten');
  });

  it('the longest trusted comment bale signs still verifies with minisign', async (t) => {
    const dir = await tempDir(t);
    const pub = join(dir, 'k.pub');
    await writeFile(pub, formatPublicKey(pair.publicKey));
    const file = join(dir, 'f');
    await writeFile(file, DATA);
    const comment = randomBytes(2000).toString('hex');
    await signFile(file, pair.secretKey, comment);
    const r = await minisign(['-Vm', file, '-p', pub, '-Q']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), comment);
    assert.equal((await verifyFile(file, [parsePublicKey(await readFile(pub), pub)])).trustedComment, comment);
  });
});
