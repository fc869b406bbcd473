/** Bundles beside packages: strict lines, one envelope per signer and subject, fixed order, atomic writes. */
import assert from 'node:assert/strict';
import { lstat, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  addToBundle,
  attestBuild,
  bundleFileFor,
  formatBundle,
  formatEnvelope,
  mergeBundle,
  parseBundle,
  readBundle,
  signEnvelope,
  type Envelope,
} from '../../src/attest/index.js';
import { isUserError } from '../../src/errors/index.js';
import { keyIdHex } from '../../src/sign/index.js';
import { assertUserError, claim, keyPair, payloadJson, sha256, tempDir } from './helpers.js';

const a = keyPair();
const b = keyPair();
const c = keyPair();

const startedOf = (e: Envelope): unknown =>
  (payloadJson(e)['predicate'] as { runDetails: { metadata: { startedOn: string } } }).runDetails.metadata.startedOn;

describe('bundle text', () => {
  it('is named after the package file', () => {
    assert.equal(bundleFileFor('/store/p/node-x-1.0.0-abc.tar.gz'), '/store/p/node-x-1.0.0-abc.tar.gz.intoto.jsonl');
  });

  it('round-trips: one compact envelope per line, blank lines and CRLF tolerated', () => {
    const envs = [attestBuild(claim(), a.sec), attestBuild(claim(), b.sec)];
    const text = formatBundle(envs);
    assert.equal(text.split('\n').length, 3);
    assert.ok(text.endsWith('}\n'));
    assert.deepEqual(parseBundle(text, 'f'), envs);
    assert.deepEqual(parseBundle(`\n${text.replace(/\n/g, '\r\n')}\n\n`, 'f'), envs);
    assert.deepEqual(parseBundle('', 'f'), []);
  });

  it('names the bad line by its number', () => {
    const good = formatEnvelope(attestBuild(claim(), a.sec));
    assertUserError(() => parseBundle(`${good}\n\n{"payloadType":1}\n`, 'x.intoto.jsonl'), 'EATTEST', 'x.intoto.jsonl:3', 'payloadType');
    assertUserError(() => parseBundle(`${good}\nnot json\n`, 'x.intoto.jsonl'), 'EATTEST', 'x.intoto.jsonl:2', 'invalid JSON');
    const noSig = JSON.stringify({ ...JSON.parse(good), signatures: [{ keyid: 'A', sig: 'a b' }] });
    assertUserError(() => parseBundle(noSig, 'x.intoto.jsonl'), 'EATTEST', 'x.intoto.jsonl:1', 'signatures.0.sig');
  });
});

describe('mergeBundle', () => {
  const pkg = claim();
  const old = attestBuild({ ...pkg, startedOn: '2025-01-01T00:00:00Z' }, a.sec);
  const renewed = attestBuild({ ...pkg, startedOn: '2025-02-01T00:00:00Z' }, a.sec);

  it("replaces a builder's old attestation of a subject with its new one", () => {
    const merged = mergeBundle([old], [renewed]);
    assert.equal(merged.length, 1);
    assert.equal(startedOf(merged[0]!), '2025-02-01T00:00:00Z');
  });

  it('keeps other builders, and the same builder for another subject', () => {
    const other = attestBuild({ ...pkg, sha256: sha256('a mismatching rebuild') }, a.sec);
    const byB = attestBuild(pkg, b.sec);
    const merged = mergeBundle([old, byB], [other, renewed]);
    assert.equal(merged.length, 3);
    assert.ok(merged.includes(byB) && merged.includes(other) && merged.includes(renewed));
    assert.ok(!merged.includes(old));
  });

  it('orders by signer key id, whatever order things came in', () => {
    const envs = [attestBuild(pkg, c.sec), attestBuild(pkg, a.sec), attestBuild(pkg, b.sec)];
    const ids = (l: Envelope[]): string[] => l.map((e) => e.signatures[0]!.keyid);
    const sorted = [a, b, c].map((k) => keyIdHex(k.pub)).sort();
    assert.deepEqual(ids(mergeBundle(envs, [])), sorted);
    assert.deepEqual(ids(mergeBundle([], [...envs].reverse())), sorted);
    assert.equal(formatBundle(mergeBundle(envs.slice(0, 1), envs.slice(1))), formatBundle(mergeBundle([envs[2]!], [envs[0]!, envs[1]!])));
  });

  it('keeps envelopes that are not in-toto statements, one per signer and payload', () => {
    const x = signEnvelope(Buffer.from('plain text'), 'text/plain', a.sec);
    const y = signEnvelope(Buffer.from('other text'), 'text/plain', a.sec);
    assert.equal(mergeBundle([x, y], [x]).length, 2);
  });
});

describe('bundle files', () => {
  it('reads a missing bundle as empty, then adds, replaces and keeps', async (t) => {
    const dir = await tempDir(t);
    const file = bundleFileFor(join(dir, 'pkg.tar.gz'));
    assert.deepEqual(await readBundle(file), []);
    const pkg = claim();
    await addToBundle(file, [attestBuild({ ...pkg, startedOn: '2025-01-01T00:00:00Z' }, a.sec)]);
    await addToBundle(file, [attestBuild(pkg, b.sec)]);
    const written = await addToBundle(file, [attestBuild({ ...pkg, startedOn: '2025-03-01T00:00:00Z' }, a.sec)]);
    const back = await readBundle(file);
    assert.deepEqual(back, written);
    assert.equal(back.length, 2);
    assert.deepEqual(back.map(startedOf).sort(), [pkg.startedOn, '2025-03-01T00:00:00Z'].sort());
    assert.equal(await readFile(file, 'utf8'), formatBundle(written));
  });

  it('replaces the file by rename (a new inode), leaving no temp file behind', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'p.tar.gz.intoto.jsonl');
    await addToBundle(file, [attestBuild(claim(), a.sec)]);
    const before = (await stat(file)).ino;
    await addToBundle(file, [attestBuild(claim(), b.sec)]);
    assert.notEqual((await stat(file)).ino, before);
    assert.deepEqual(await readdir(dir), ['p.tar.gz.intoto.jsonl']);
  });

  it('leaves a bad bundle as it was and names its line', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'p.intoto.jsonl');
    const text = `${formatEnvelope(attestBuild(claim(), a.sec))}\n{"broken"\n`;
    await writeFile(file, text);
    await assert.rejects(addToBundle(file, [attestBuild(claim(), b.sec)]), (err: unknown) => {
      assert.ok(isUserError(err) && (err as Error).message.includes(`${file}:2`), String(err));
      return true;
    });
    assert.equal(await readFile(file, 'utf8'), text);
  });

  it('never writes through a symbolic link', async (t) => {
    const dir = await tempDir(t);
    const target = join(dir, 'elsewhere');
    await writeFile(target, '');
    const file = join(dir, 'p.intoto.jsonl');
    await symlink(target, file);
    await assert.rejects(
      addToBundle(file, [attestBuild(claim(), a.sec)]),
      (err: unknown) => isUserError(err) && /symbolic link/.test((err as Error).message),
    );
    assert.ok((await lstat(file)).isSymbolicLink());
    assert.equal(await readlink(file), target);
    assert.equal(await readFile(target, 'utf8'), '');
  });
});
