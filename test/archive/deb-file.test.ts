/**
 * .deb files built with the real dpkg-deb: data read as dpkg would unpack it at `/` (absolute
 * symlinks made relative), maintainer scripts listed, and links leaving the root refused.
 */
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { openDeb } from '../../src/archive/deb-file.js';
import { readTar, rootedTarget } from '../../src/archive/read.js';
import type { PackEntry } from '../../src/packer/entry.js';
import { tempDir } from '../helpers/cli.js';
import { buildDeb } from '../helpers/deb.js';
import { makeTar } from './make-tar.js';

/** The data of a .deb, opened for this one read. */
async function readDebData(deb: Buffer, source: string): Promise<PackEntry[]> {
  const file = await openDeb(deb, source);
  try {
    return await file.data();
  } finally {
    await file.close();
  }
}

describe('reading .deb files', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    t = await tempDir('deb-file');
  });
  after(() => t.cleanup());

  it('data as dpkg unpacks it, absolute links made relative, scripts listed, mtime read', async () => {
    const deb = await readFile(
      await buildDeb(
        t.dir,
        'bale-ok',
        {
          'usr/bin/tool': '#!/bin/sh\necho ok\n',
          'lib64/ld.so': '-> /lib/x86_64-linux-gnu/ld.so',
          'usr/share/doc/bale-ok/link': '-> ../../../bin/tool',
        },
        { postinst: '#!/bin/sh\nldconfig\n', prerm: '#!/bin/sh\n', triggers: 'activate-noawait ldconfig\n' },
      ),
    );
    const file = await openDeb(deb, 'bale-ok.deb');
    try {
      const entries = await file.data();
      const links = Object.fromEntries(entries.filter((e) => e.type === 'symlink').map((e) => [e.path, e.target]));
      assert.deepEqual(links, { 'lib64/ld.so': '../lib/x86_64-linux-gnu/ld.so', 'usr/share/doc/bale-ok/link': '../../../bin/tool' });
      assert.equal(entries.find((e) => e.path === 'usr/bin/tool')?.data?.toString(), '#!/bin/sh\necho ok\n');
      const control = await file.control();
      assert.deepEqual(control.scripts, ['postinst', 'prerm', 'triggers']);
      assert.equal(control.fields.get('Package'), 'bale-ok');
      assert.equal(control.fields.get('Version'), '1.0-1');
      assert.equal(await file.dataMtime(), 1700000000);
    } finally {
      await file.close();
    }
    await assert.rejects(access(file.path), { code: 'ENOENT' }, 'close() removes the temp file');
  });

  const hostile: Array<[string, Record<string, string>, RegExp]> = [
    [
      'a relative symlink out of the root',
      { 'usr/lib/evil': '-> ../../../../etc' },
      /entry "\.\/usr\/lib\/evil": symlink to "\.\.\/\.\.\/\.\.\/\.\.\/etc": its target leaves the archive root/,
    ],
    [
      'an absolute symlink climbing above /',
      { 'usr/lib/evil': '-> /../../etc/shadow' },
      /entry "\.\/usr\/lib\/evil": symlink to "\.\.\/\.\.\/\.\.\/\.\.\/etc\/shadow": its target leaves the archive root/,
    ],
    ['a chain of links out of the root', { 'usr/a': '-> lib/b/..', 'usr/lib/b': '-> ../../..' }, /leaves the archive root/],
  ];
  for (const [what, files, why] of hostile) {
    it(`refuses ${what}`, async () => {
      const name = `bale-evil${hostile.findIndex((h) => h[0] === what)}`;
      const deb = await readFile(await buildDeb(t.dir, name, files));
      await assert.rejects(readDebData(deb, `${name}.deb`), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'EARCHIVE');
        assert.match(err.message, why);
        assert.ok(err.message.startsWith(`${name}.deb: `) && !err.message.includes('\n'), err.message);
        return true;
      });
    });
  }

  it('something that is not a .deb is one line naming the source', async () => {
    await assert.rejects(readDebData(Buffer.from('not an ar archive'), 'junk.deb'), {
      code: 'EARCHIVE',
      message: /^junk\.deb: not a valid \.deb \(dpkg-deb: error: .*\): the download is corrupt/,
    });
  });
});

describe('rootedTarget and the rootedSymlinks option', () => {
  it('rewrites segment for segment, without folding ..', () => {
    assert.equal(rootedTarget('lib64/ld.so', '/lib/x/ld.so'), '../lib/x/ld.so');
    assert.equal(rootedTarget('top', '/usr/bin/x'), 'usr/bin/x');
    assert.equal(rootedTarget('a/b/c', '//usr//x/../y'), '../../usr/x/../y');
    assert.equal(rootedTarget('a', '/'), '.');
  });
  it('absolute links are still refused without it', async () => {
    const tar = await makeTar([{ name: 'lib64/ld.so', type: 'symlink', linkname: '/lib/ld.so' }]);
    await assert.rejects(readTar(tar, { source: 't.tar' }), /symlink to the absolute path "\/lib\/ld\.so"/);
    assert.equal((await readTar(tar, { source: 't.tar', rootedSymlinks: true }))[0]?.target, '../lib/ld.so');
  });
});
