import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isUserError } from '../../src/errors/index.js';
import { formatImageFile, parseImageFile } from '../../src/image/image-file.js';
import type { ImageFile } from '../../src/image/types.js';

const h = (c: string): string => c.repeat(64);
const image: ImageFile = {
  format: 1,
  name: 'app',
  tag: '1',
  packages: [
    { name: 'node-express', version: '4.21.2', sha256: h('a'), size: 10, tar_sha256: h('b'), purl: 'pkg:npm/express@4.21.2' },
    { name: 'node-accepts', version: '1.3.8', sha256: h('c'), size: 20, tar_sha256: h('d'), purl: 'pkg:npm/accepts@1.3.8' },
  ],
};

describe('image file: canonical, strict', () => {
  test('sorted on write, read back equal, same bytes whatever the input order', () => {
    const text = formatImageFile(image);
    assert.equal(text, formatImageFile({ ...image, packages: [...image.packages].reverse() }));
    const back = parseImageFile(text, 'app.image.toml');
    assert.deepEqual(
      back.packages.map((p) => p.name),
      ['node-accepts', 'node-express'],
    );
    assert.equal(formatImageFile(back), text);
    assert.match(text, /^# bale image v1/);
  });

  const bad: { name: string; edit: (t: string) => string; says: RegExp }[] = [
    { name: 'not TOML', edit: () => 'name = ', says: /app\.image\.toml: not TOML/ },
    { name: 'bad digest', edit: (t) => t.replace(h('a'), 'xyz'), says: /package\.1\.sha256: expected 64 lowercase hex digits/ },
    { name: 'unknown key', edit: (t) => t.replace('tag = "1"', 'tag = "1"\nlabel = "x"'), says: /Unrecognized key|label/ },
    { name: 'bad tag', edit: (t) => t.replace('tag = "1"', 'tag = "a b"'), says: /tag: an OCI tag/ },
    {
      name: 'unsorted',
      edit: (t) => {
        const [head, p1, p2] = t.split('\n\n');
        return `${head}\n\n${p2!.trimEnd()}\n\n${p1}\n`;
      },
      says: /not sorted at node-accepts/,
    },
    {
      name: 'listed twice',
      edit: (t) => {
        const [head, p1] = t.split('\n\n');
        return `${head}\n\n${p1}\n\n${p1}\n`;
      },
      says: /listed twice/,
    },
    { name: 'not canonical', edit: (t) => t.replace('size = 10', 'size    = 10'), says: /not in canonical form/ },
  ];
  for (const b of bad) {
    test(`refused: ${b.name}`, () => {
      assert.throws(
        () => parseImageFile(b.edit(formatImageFile(image)), 'app.image.toml'),
        (e: unknown) => isUserError(e) && b.says.test(e.message) && !e.message.includes('\n'),
      );
    });
  }
});
