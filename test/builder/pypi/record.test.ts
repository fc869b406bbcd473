/** RECORD parsing, verification and writing, checked against Python's csv and hashlib. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { formatRecord, parseCsv, parseRecord, recordHash, verifyRow, type RecordRow } from '../../../src/builder/pypi/record.js';
import type { ErrorCode } from '../../../src/errors/index.js';

const SOURCE = 'demo-1.0-py3-none-any.whl';

function failsWith(code: ErrorCode, mentions: string[]) {
  return (err: Error & { code?: string }) => {
    assert.equal(err.code, code, err.message);
    assert.ok(err.message.startsWith(`${SOURCE}: `), err.message);
    for (const m of mentions) assert.ok(err.message.includes(m), `"${m}" missing from: ${err.message}`);
    return true;
  };
}

describe('parseCsv reads what Python csv writes', () => {
  it('quoted fields with commas, doubled quotes and line breaks; CRLF and LF; blank lines', () => {
    const text = 'a.py,sha256=x,1\r\n"b,c.py","q""uote",2\n\n"multi\nline",,\nlast,,';
    assert.deepEqual(parseCsv(text), [
      ['a.py', 'sha256=x', '1'],
      ['b,c.py', 'q"uote', '2'],
      ['multi\nline', '', ''],
      ['last', '', ''],
    ]);
  });

  it('agrees with csv.reader on rows Python writes', () => {
    const rows = [
      ['plain', 'sha256=abc', '3'],
      ['with,comma', 'has "quotes"', ''],
      ['ünï', '', '0'],
    ];
    const written = execFileSync(
      'python3',
      ['-c', 'import csv,io,json,sys\nb=io.StringIO()\ncsv.writer(b).writerows(json.load(sys.stdin))\nsys.stdout.write(b.getvalue())'],
      {
        input: JSON.stringify(rows),
      },
    ).toString();
    assert.ok(written.includes('\r\n'), 'csv.writer ends lines with CRLF by default');
    assert.deepEqual(parseCsv(written), rows);
  });

  it('an unterminated quote is an error', () => {
    assert.throws(() => parseCsv('"never closed,,\n'), /unterminated/);
  });
});

describe('parseRecord', () => {
  it('rows of path, hash, size', () => {
    assert.deepEqual(parseRecord('a.py,sha256=x,12\nd-1.0.dist-info/RECORD,,\n', SOURCE, 'd-1.0.dist-info/RECORD'), [
      { path: 'a.py', hash: 'sha256=x', size: '12' },
      { path: 'd-1.0.dist-info/RECORD', hash: '', size: '' },
    ]);
  });

  const BAD: Array<[string, string, string]> = [
    ['two fields', 'a.py,sha256=x\n', 'row 1 has 2 fields'],
    ['four fields', 'a.py,,,\n', 'row 1 has 4 fields'],
    ['an empty path', 'ok.py,,\n,sha256=x,1\n', 'row 2 has an empty path'],
    ['a size that is no number', 'a.py,sha256=x,12k\n', 'size "12k"'],
    ['broken quoting', '"a.py,sha256=x,1\n', 'unterminated'],
  ];
  for (const [what, text, mention] of BAD) {
    it(`refuses ${what} (EWHEEL naming the wheel and RECORD)`, () => {
      assert.throws(() => parseRecord(text, SOURCE, 'd-1.0.dist-info/RECORD'), failsWith('EWHEEL', ['d-1.0.dist-info/RECORD', mention]));
    });
  }
});

describe('verifyRow', () => {
  const data = Buffer.from('print("hello")\n');
  const b64 = (alg: string) => createHash(alg).update(data).digest('base64url');
  const row = (hash: string, size = String(data.length)): RecordRow => ({ path: 'pkg/mod.py', hash, size });

  it('accepts sha256, sha384, sha512 and sha3_256, with or without padding and size', () => {
    verifyRow(row(`sha256=${b64('sha256')}`), data, SOURCE);
    verifyRow(row(`sha256=${b64('sha256')}=`), data, SOURCE);
    verifyRow(row(`sha384=${b64('sha384')}`, ''), data, SOURCE);
    verifyRow(row(`sha512=${b64('sha512')}`), data, SOURCE);
    verifyRow(row(`sha3_256=${b64('sha3-256')}`), data, SOURCE);
  });

  it('a different hash or size is EINTEGRITY naming the wheel and the file', () => {
    const other = createHash('sha256').update('other').digest('base64url');
    assert.throws(() => verifyRow(row(`sha256=${other}`), data, SOURCE), failsWith('EINTEGRITY', ['"pkg/mod.py"', other, b64('sha256')]));
    assert.throws(
      () => verifyRow(row(`sha256=${b64('sha256')}`, '3'), data, SOURCE),
      failsWith('EINTEGRITY', ['pkg/mod.py', 'RECORD says 3']),
    );
  });

  it('refuses weak, unknown and missing hashes', () => {
    assert.throws(() => verifyRow(row(`md5=${b64('md5')}`), data, SOURCE), failsWith('EINTEGRITY', ['"md5"', 'sha256 or better']));
    assert.throws(() => verifyRow(row(`sha1=${b64('sha1')}`), data, SOURCE), failsWith('EINTEGRITY', ['"sha1"']));
    assert.throws(() => verifyRow(row('crc32=abc'), data, SOURCE), failsWith('EINTEGRITY', ['"crc32"']));
    assert.throws(() => verifyRow(row('nohash'), data, SOURCE), failsWith('EINTEGRITY', ['"nohash"']));
    assert.throws(() => verifyRow(row(''), data, SOURCE), failsWith('EINTEGRITY', ['no hash']));
  });
});

describe('recordHash and formatRecord', () => {
  it('sha256 in urlsafe base64 without padding', () => {
    assert.equal(recordHash(Buffer.alloc(0)), 'sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
    assert.equal(
      recordHash(Buffer.from([0xfb, 0xff])),
      `sha256=${createHash('sha256')
        .update(Buffer.from([0xfb, 0xff]))
        .digest('base64')
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '')}`,
    );
  });

  it('sorted bytewise, LF lines, quoted only where csv needs it; Python csv reads it back', () => {
    const rows: RecordRow[] = [
      { path: 'z.py', hash: 'sha256=z', size: '1' },
      { path: 'é.py', hash: 'sha256=e', size: '2' },
      { path: 'A.py', hash: 'sha256=a', size: '3' },
      { path: 'odd,"name".py', hash: 'sha256=o', size: '4' },
      { path: 'd-1.0.dist-info/RECORD', hash: '', size: '' },
    ];
    const text = formatRecord(rows).toString('utf8');
    assert.equal(text, 'A.py,sha256=a,3\nd-1.0.dist-info/RECORD,,\n"odd,""name"".py",sha256=o,4\nz.py,sha256=z,1\né.py,sha256=e,2\n');
    const back = execFileSync(
      'python3',
      ['-c', 'import csv,json,sys\nprint(json.dumps(list(csv.reader(sys.stdin.read().splitlines()))))'],
      { input: text },
    ).toString();
    assert.deepEqual(JSON.parse(back), [
      ['A.py', 'sha256=a', '3'],
      ['d-1.0.dist-info/RECORD', '', ''],
      ['odd,"name".py', 'sha256=o', '4'],
      ['z.py', 'sha256=z', '1'],
      ['é.py', 'sha256=e', '2'],
    ]);
  });
});
