/**
 * `--index-url file:///...` end to end: the fixture index written to disk (its server runs only
 * to copy it), imported and built from there; recipes name the files where the index has them; a
 * wrong path is one line.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { bale, oneErrorLine, tempDir } from '../helpers/cli.js';
import { writeFileIndex, type FileIndex } from '../helpers/pypi-file-index.js';

describe('bale request pypi:fxp-ns-a --index-url file:///.../simple/', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let index: FileIndex;
  before(async () => {
    t = await tempDir('pypi-file');
    index = await writeFileIndex(path.join(t.dir, 'mirror'));
  });
  after(() => t.cleanup());

  test('resolves, pins the file:// sources with their hashes, and builds from them', async () => {
    const r = await bale(
      [
        'request',
        'pypi:fxp-ns-a',
        '--python',
        '3.11',
        '--index-url',
        index.simpleUrl,
        '--recipes',
        path.join(t.dir, 'r'),
        '--store',
        path.join(t.dir, 's'),
        '--json',
      ],
      { env: { XDG_CACHE_HOME: path.join(t.dir, 'cache') } },
    );
    assert.equal(r.code, 0, r.stderr);
    const names = (JSON.parse(r.stdout) as { packages: { name: string }[] }).packages.map((p) => p.name).sort();
    assert.ok(names.includes('py3.11-fxp-ns-a'), names.join(' '));
    const recipe = await readFile(path.join(t.dir, 'r/pypi/fxp-ns-a/1.0.0.toml'), 'utf8');
    const file = index.dists.projects.get('fxp-ns-a')!.files.find((f) => f.kind === 'wheel')!;
    assert.ok(recipe.includes(`url = "${index.fileUrl('fxp-ns-a', file.filename)}"`), recipe);
    assert.ok(recipe.includes(`integrity = "sha256-${Buffer.from(file.sha256, 'hex').toString('base64')}"`), recipe);
  });

  test('an index path that does not exist is one line naming it; a file:// URL with a host is a usage error', async () => {
    const missing = pathToFileURL(path.join(t.dir, 'no-mirror/simple')).href;
    const r = await bale(['import', 'pypi:fxp-app', '--python', '3.11', '--index-url', missing, '--recipes', path.join(t.dir, 'r2')], {
      env: { XDG_CACHE_HOME: path.join(t.dir, 'cache') },
    });
    assert.equal(r.code, 1);
    assert.match(
      oneErrorLine(r.stderr),
      /^bale: error: Python 3\.11 failed: the index file:\/\/\/.*\/no-mirror\/simple\/: no such directory on this machine: check the index URL \(--index-url/,
    );
    const h = await bale(['import', 'pypi:fxp-app', '--index-url', 'file://mirror.example/simple/', '--recipes', path.join(t.dir, 'r2')]);
    assert.equal(h.code, 2);
    assert.match(
      oneErrorLine(h.stderr),
      /--index-url file:\/\/mirror\.example\/simple\/: names the host mirror\.example; a file:\/\/ URL is a path on this machine/,
    );
  });
});
