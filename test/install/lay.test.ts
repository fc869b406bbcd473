/**
 * layRoot on real packages (made with pack(), kept in a real LocalStore, resolved by compose's
 * closure()): it writes exactly the packages' files, and refuses, before writing anything, a set
 * whose symlinks leave the root only together, two packages owning one path, and a store file
 * whose bytes are not the ones recorded.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { type ErrorCode, isUserError } from '../../src/errors/index.js';
import { closure } from '../../src/image/compose.js';
import { layRoot } from '../../src/install/lay.js';
import type { PackEntry } from '../../src/packer/entry.js';
import type { PackageManifest } from '../../src/packer/manifest.js';
import { pack } from '../../src/packer/pack.js';
import { LocalStore, type StoredPackage } from '../../src/store/index.js';

const EPOCH = 1700000000;

async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bale-lay-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Stores a package of `entries` named `name` 1.0.0 that depends on `depends` (1.0.0 each). */
async function put(store: LocalStore, name: string, entries: PackEntry[], depends: string[] = []): Promise<StoredPackage> {
  const r = await pack(entries, { sourceDateEpoch: EPOCH });
  const manifest: PackageManifest = {
    format: 1,
    name,
    version: '1.0.0',
    purl: `pkg:npm/${name}@1.0.0`,
    interpreter: null,
    recipe_digest: 'sha256-test',
    source_date_epoch: EPOCH,
    depends: depends.map((d) => ({ name: d, version: '1.0.0' })),
    builder: { bale: '0.1.0', node: process.versions.node, zlib: process.versions.zlib },
    tar_sha256: r.tarSha256,
    files: r.files,
  };
  const [p] = await store.importPackages([{ manifest, tgz: r.tgz, sha256: r.sha256 }]);
  return p!;
}

const file = (path: string, text: string): PackEntry => ({ path, type: 'file', mode: 0o644, data: Buffer.from(text) });
const link = (path: string, target: string): PackEntry => ({ path, type: 'symlink', mode: 0o777, target });

async function refused(promise: Promise<unknown>, code: ErrorCode, says: RegExp): Promise<void> {
  await assert.rejects(promise, (err) => {
    assert.ok(isUserError(err), String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, says);
    return true;
  });
}

describe('layRoot', () => {
  it("writes the closure's files, links and directories, nothing else", async (t) => {
    const dir = await scratch(t);
    const store = new LocalStore(join(dir, 'store'));
    await put(store, 'lib', [file('usr/lib/x/lib.js', 'lib'), link('usr/lib/x/current', 'lib.js')]);
    const app = await put(store, 'app', [file('usr/lib/x/app.js', 'app')], ['lib']);
    await put(store, 'unrelated', [file('usr/lib/x/other.js', 'other')]);
    const root = join(dir, 'root');
    const laid = await layRoot(await closure([app], store), root, '--root root');
    assert.deepEqual((await readdir(join(root, 'usr/lib/x'))).sort(), ['app.js', 'current', 'lib.js']);
    assert.equal(await readFile(join(root, 'usr/lib/x/app.js'), 'utf8'), 'app');
    assert.equal(await readlink(join(root, 'usr/lib/x/current')), 'lib.js');
    assert.equal(laid.entries, 6); // usr, usr/lib, usr/lib/x, and the three entries
  });

  it("refuses symlinks that leave the root only through another package's link; nothing written", async (t) => {
    const dir = await scratch(t);
    const store = new LocalStore(join(dir, 'store'));
    // Alone, each stays inside: usr/x -> .. is the root; usr/a -> x/../.. is the root too while x is a directory.
    const up = await put(store, 'up', [link('usr/x', '..')]);
    const out = await put(store, 'out', [link('usr/a', 'x/../..')]);
    const root = join(dir, 'root');
    await refused(layRoot(await closure([up, out], store), root, '--root root'), 'EPACKSYMLINK', /usr\/a/);
    assert.equal(existsSync(root), false);
  });

  it("refuses two packages owning one path, naming both (compose's check)", async (t) => {
    const dir = await scratch(t);
    const store = new LocalStore(join(dir, 'store'));
    const a = await put(store, 'a', [file('usr/bin/tool', 'a')]);
    const b = await put(store, 'b', [file('usr/bin/tool', 'b')]);
    await refused(
      layRoot(await closure([a, b], store), join(dir, 'root'), '--root root'),
      'ECONFLICT',
      /conflict: a 1\.0\.0 and b 1\.0\.0 both own usr\/bin\/tool/,
    );
    assert.equal(existsSync(join(dir, 'root')), false);
  });

  it('refuses a store file whose bytes are not the recorded ones, before writing anything', async (t) => {
    const dir = await scratch(t);
    const store = new LocalStore(join(dir, 'store'));
    const good = await put(store, 'good', [file('usr/share/good', 'good')]);
    const bad = await put(store, 'bad', [file('usr/share/bad', 'bad')]);
    const bytes = await readFile(bad.file);
    bytes[20]! ^= 0xff; // same size, other bytes
    await writeFile(bad.file, bytes);
    await refused(layRoot(await closure([good, bad], store), join(dir, 'root'), '--root root'), 'EINTEGRITY', /bad 1\.0\.0/);
    assert.equal(existsSync(join(dir, 'root')), false);
  });
});
