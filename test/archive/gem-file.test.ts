import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { before, test } from 'node:test';
import tar from 'tar-stream';
import { type ErrorCode, isUserError } from '../../src/errors/index.js';
import { parseChecksums, readGemFile, specIdentity, specList, verifyChecksums } from '../../src/archive/gem-file.js';
import { buildGem, HELLO, tamperGem, ZEXT } from '../builder/rubygems/make-gem.js';

let hello: Buffer;
let zext: Buffer;
before(async () => {
  [hello, zext] = await Promise.all([buildGem(HELLO), buildGem(ZEXT)]);
});

/** An error with this code (and name, when given) whose one-line message says all of `says`. */
function failsWith(code: ErrorCode, says: string[], name?: string) {
  return (err: Error & { code?: string }): boolean => {
    assert.ok(isUserError(err), `not a UserError: ${err.stack}`);
    assert.equal(err.code, code, err.message);
    if (name !== undefined) assert.equal(err.name, name);
    for (const s of says) assert.ok(err.message.includes(s), `"${err.message}" does not say "${s}"`);
    assert.ok(!err.message.includes('\n'));
    return true;
  };
}

test('readGemFile: the spec YAML and the gem files, modes kept', async () => {
  const gem = await readGemFile(hello, 'hello-1.0.0.gem');
  assert.ok(gem.metadataYaml.startsWith('--- !ruby/object:Gem::Specification\nname: hello\n'), gem.metadataYaml.slice(0, 80));
  assert.deepEqual(gem.data.map((e) => e.path).sort(), ['exe/hello', 'lib/hello.rb']);
  const exe = gem.data.find((e) => e.path === 'exe/hello')!;
  assert.equal(exe.type, 'file');
  assert.equal(exe.mode & 0o111, 0o111);
  assert.equal(exe.data!.toString(), (HELLO.files['exe/hello'] as { text: string }).text);
  assert.equal(gem.data.find((e) => e.path === 'lib/hello.rb')!.mode & 0o111, 0);
});

test('specIdentity reads name and version as Psych writes them (plain or quoted, escapes undone)', () => {
  const spec = (name: string, version: string): string =>
    `--- !ruby/object:Gem::Specification\nname: ${name}\nversion: !ruby/object:Gem::Version\n  version: ${version}\nplatform: ruby\nauthors:\n- someone\n`;
  assert.deepEqual(specIdentity(spec('rack', '3.0.8')), { name: 'rack', version: '3.0.8' });
  assert.deepEqual(specIdentity(spec("'rack'", '"1.4.0.rc1"')), { name: 'rack', version: '1.4.0.rc1' });
  assert.deepEqual(specIdentity(spec('"r\\u0061ck"', '3.0.8')), { name: 'rack', version: '3.0.8' });
  assert.deepEqual(specIdentity('--- !ruby/object:Gem::Specification\nplatform: ruby\n'), {});
});

test('specList reads the lists of the spec as Psych writes them', async () => {
  const z = await readGemFile(zext, 'zext.gem');
  assert.deepEqual(specList(z.metadataYaml, 'extensions'), ['ext/zext/extconf.rb']);
  assert.deepEqual(specList(z.metadataYaml, 'require_paths'), ['lib']);
  assert.deepEqual(specList(z.metadataYaml, 'executables'), []);
  const h = await readGemFile(hello, 'hello.gem');
  assert.deepEqual(specList(h.metadataYaml, 'extensions'), []);
  assert.deepEqual(specList(h.metadataYaml, 'executables'), ['hello']);
  assert.deepEqual(specList("---\nfiles:\n- \"a b.rb\"\n- 'it''s.rb'\n- c.rb\nx: 1\n", 'files'), ['a b.rb', "it's.rb", 'c.rb']);
  assert.deepEqual(specList('---\nnothing: here\n', 'extensions'), []);
});

test('a gem without checksums.yaml.gz (older RubyGems) is read', async () => {
  const gem = await readGemFile(await tamperGem(hello, { dropChecksums: true }), 'old.gem');
  assert.deepEqual(gem.data.map((e) => e.path).sort(), ['exe/hello', 'lib/hello.rb']);
});

test('a data.tar.gz that does not match checksums.yaml is an IntegrityError', async () => {
  const swapped = await tamperGem(hello, { data: [{ name: 'lib/hello.rb', text: 'system("evil")\n' }], keepChecksums: true });
  await assert.rejects(
    readGemFile(swapped, 'hello-1.0.0.gem'),
    failsWith('EINTEGRITY', ['hello-1.0.0.gem', 'SHA256 of data.tar.gz', 'checksums.yaml'], 'IntegrityError'),
  );
});

test('checksums are recomputed by the tamperer: the same data with fresh checksums is fine', async () => {
  const rewritten = await tamperGem(hello, { data: [{ name: 'lib/hello.rb', text: 'x = 1\n' }] });
  const gem = await readGemFile(rewritten, 'rewritten.gem');
  assert.equal(gem.data[0]!.data!.toString(), 'x = 1\n');
});

const hostile: Array<[string, Parameters<typeof tamperGem>[1]['data'], string]> = [
  [
    'a ../ entry',
    [
      { name: 'lib/ok.rb', text: '1' },
      { name: '../../evil.rb', text: 'pwned' },
    ],
    "'..' leaves the archive root",
  ],
  ['an absolute entry', [{ name: '/tmp/bale-evil-gem.rb', text: 'pwned' }], 'absolute path'],
  ['a symlink out of the gem', [{ name: 'lib/passwd', symlink: '../../../../../../etc/passwd' }], 'leaves the archive root'],
  [
    'a write through a symlink',
    [
      { name: 'lib/up', symlink: '..' },
      { name: 'lib/up/x.rb', text: 'x' },
    ],
    'writes through the symlink',
  ],
];
for (const [what, data, says] of hostile) {
  test(`data.tar.gz with ${what} is refused by src/archive, checksums valid or not`, async () => {
    const checked = await tamperGem(hello, { data });
    await assert.rejects(readGemFile(checked, 'evil-1.0.gem'), failsWith('EARCHIVE', ['evil-1.0.gem data.tar.gz', says]));
    const unchecked = await tamperGem(hello, { data, dropChecksums: true });
    await assert.rejects(readGemFile(unchecked, 'evil-1.0.gem'), failsWith('EARCHIVE', [says]));
  });
}

test('corrupt gems are EGEM, each saying what is wrong', async () => {
  await assert.rejects(readGemFile(Buffer.alloc(0), 'empty.gem'), failsWith('EGEM', ['empty.gem', 'not a valid .gem', 'empty file']));
  await assert.rejects(readGemFile(randomBytes(4096), 'noise.gem'), failsWith('EGEM', ['noise.gem', 'not a valid .gem']));
  await assert.rejects(readGemFile(hello.subarray(0, 700), 'cut.gem'), failsWith('EGEM', ['cut.gem']));
});

test('an outer tar with a repeated, unknown or non-file entry is EGEM', async () => {
  const twice = await tamperGem(hello, { extraOuter: [{ name: 'data.tar.gz', data: 'data.tar.gz' }] });
  await assert.rejects(readGemFile(twice, 'twice.gem'), failsWith('EGEM', ['"data.tar.gz" appears twice']));
  const extra = await tamperGem(hello, { extraOuter: [{ name: 'install.sh', data: 'echo hi' }] });
  await assert.rejects(readGemFile(extra, 'extra.gem'), failsWith('EGEM', ['unexpected entry "install.sh"']));
  const withDir = await outerTar([{ name: 'metadata.gz', type: 'directory' }]);
  await assert.rejects(readGemFile(withDir, 'dir.gem'), failsWith('EGEM', ['"metadata.gz" is a directory']));
  const missing = await outerTar([{ name: 'metadata.gz', body: gzipSync('--- !ruby/object:Gem::Specification\n') }]);
  await assert.rejects(readGemFile(missing, 'nodata.gem'), failsWith('EGEM', ['no data.tar.gz']));
});

test('metadata.gz that is not gzip, or not a spec, is EGEM', async () => {
  const data = gzipSync(Buffer.alloc(1024));
  await assert.rejects(
    readGemFile(
      await outerTar([
        { name: 'metadata.gz', body: Buffer.from('plain') },
        { name: 'data.tar.gz', body: data },
      ]),
      'm.gem',
    ),
    failsWith('EGEM', ['metadata.gz does not decompress']),
  );
  await assert.rejects(
    readGemFile(
      await outerTar([
        { name: 'metadata.gz', body: gzipSync('{"name": "x"}') },
        { name: 'data.tar.gz', body: data },
      ]),
      'm.gem',
    ),
    failsWith('EGEM', ['not a YAML Gem::Specification']),
  );
  await assert.rejects(
    readGemFile(
      await outerTar([
        { name: 'metadata.gz', body: gzipSync('--- !ruby/object:Gem::Specification\n') },
        { name: 'data.tar.gz', body: Buffer.from('x') },
      ]),
      'd.gem',
    ),
    failsWith('EGEM', ['data.tar.gz does not decompress']),
  );
});

test('parseChecksums: the format RubyGems writes, quoted values too; anything else is EGEM', () => {
  const sums = parseChecksums('---\nSHA256:\n  metadata.gz: AB12\n  \'data.tar.gz\': "cd34"\nSHA512:\n  metadata.gz: ef\n', 's.gem');
  assert.deepEqual(
    [...sums].map(([a, m]) => [a, [...m]]),
    [
      [
        'SHA256',
        [
          ['metadata.gz', 'ab12'],
          ['data.tar.gz', 'cd34'],
        ],
      ],
      ['SHA512', [['metadata.gz', 'ef']]],
    ],
  );
  assert.throws(() => parseChecksums('---\nSHA256: {metadata.gz: ab}\n', 's.gem'), failsWith('EGEM', ['checksums.yaml line 2']));
  assert.throws(() => parseChecksums('---\n  metadata.gz: ab\n', 's.gem'), failsWith('EGEM', ['line 2']));
  assert.throws(() => parseChecksums('---\nSHA256:\n  data.tar.gz: not-hex\n', 's.gem'), failsWith('EGEM', ['line 3']));
});

test('verifyChecksums: each known digest must match; a listed part must exist; unknown algorithms pass', () => {
  const parts = new Map([['data.tar.gz', Buffer.from('abc')]]);
  const sha256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
  const sha1 = 'a9993e364706816aba3e25717850c26c9cd0d89d';
  verifyChecksums(
    new Map([
      ['SHA256', new Map([['data.tar.gz', sha256]])],
      ['SHA1', new Map([['data.tar.gz', sha1]])],
      ['BLAKE9', new Map([['data.tar.gz', '00']])],
    ]),
    parts,
    's.gem',
  );
  assert.throws(
    () => verifyChecksums(new Map([['SHA1', new Map([['data.tar.gz', sha256.slice(0, 40)]])]]), parts, 's.gem'),
    failsWith('EINTEGRITY', ['SHA1 of data.tar.gz']),
  );
  assert.throws(
    () => verifyChecksums(new Map([['SHA256', new Map([['metadata.gz', sha256]])]]), parts, 's.gem'),
    failsWith('EINTEGRITY', ['lists metadata.gz, which the gem does not hold']),
  );
});

/** A hand-made outer tar (tar-stream), for shapes RubyGems' writer would not produce. */
async function outerTar(entries: Array<{ name: string; body?: Buffer; type?: 'directory' }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory' });
    else pack.entry({ name: e.name, size: e.body!.length }, e.body!);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('specDate reads the date Psych writes, in UTC or with an offset, and nothing else', async () => {
  const { specDate } = await import('../../src/archive/gem-file.js');
  const spec = (line: string): string => `--- !ruby/object:Gem::Specification\nname: x\n${line}\nsummary: y\n`;
  assert.equal(specDate(spec('date: 2020-01-01 00:00:00.000000000 Z')), 1577836800);
  assert.equal(specDate(spec('date: 1980-01-02 00:00:00.000000000 Z')), 315619200);
  assert.equal(specDate(spec('date: 2020-01-01')), 1577836800);
  assert.equal(specDate(spec('date: 2020-01-01 02:00:00.000000000 +02:00')), 1577836800);
  assert.equal(specDate(spec('date: 2019-12-31 19:00:00 -05:00')), 1577836800);
  assert.equal(specDate(spec('  date: 2020-01-01 00:00:00 Z')), undefined, 'only the top-level key');
  assert.equal(specDate(spec('date: yesterday')), undefined);
  assert.equal(specDate(spec('summary2: none')), undefined);
});
