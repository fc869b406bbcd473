/**
 * Hostile build scripts, run by `bale build` as a stranger's package would run: an npm postinstall,
 * a PEP 517 sdist build and a gem's extconf.rb that try every way out of the sandbox. In CI bale
 * runs as root, which is the case that matters: nothing may reach the host. A control run without
 * the sandbox (--sandbox direct --i-know) shows the same script does escape there, so these tests
 * fail if the sandbox is removed.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bale, listFiles, oneErrorLine, tempDir } from '../helpers/cli.js';
import { escapeScript, gem, namedLog, npmPackage, sdist, serveFiles, type Escape } from './build-scripts.js';

const isRoot = process.getuid?.() === 0;
const tag = `${process.pid}-${Date.now()}`;

let server: { url: string; close(): Promise<void> };
let listener: Server;
let connections = 0;
let work: string;
let cleanup: () => Promise<void>;
const recipes = new Map<string, string>();
let targets: Escape; // the host files and port the escape script aims at

before(async () => {
  ({ dir: work, cleanup } = await tempDir('hostile-sandbox'));
  chmodSync(work, 0o755);
  listener = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  // A file only root may read; when the suite does not run as root, one only this user may read.
  const secretDir = isRoot ? '/root' : work;
  targets = {
    usrFile: `/usr/bale-hostile-${tag}`,
    etcFile: `/etc/bale-hostile-${tag}`,
    secret: join(secretDir, `bale-hostile-secret-${tag}`),
    port: (listener.address() as AddressInfo).port,
    remount: true,
  };
  writeFileSync(targets.secret, 'secret\n', { mode: 0o600 });
  const script = escapeScript(targets);
  const files = new Map<string, Buffer>();
  const npm = await npmPackage('hostile-npm', script);
  files.set('hostile-npm-1.0.0.tgz', npm.tarball);
  const py = await sdist('hostile-py', script);
  files.set(py.filename, py.data);
  const rb = await gem(work, 'hostile-gem', script);
  files.set(rb.filename, rb.data);
  server = await serveFiles(files);
  for (const [name, r] of [
    ['npm', npm.recipe],
    ['pypi', py.recipe],
    ['gem', rb.recipe],
  ] as const) {
    const file = join(work, `${name}.toml`);
    writeFileSync(file, r(server.url));
    chmodSync(file, 0o644);
    recipes.set(name, file);
  }
});

after(async () => {
  for (const f of [targets.usrFile, targets.etcFile, targets.secret]) rmSync(f, { force: true });
  await server?.close();
  listener?.close();
  await cleanup();
});

const FLAGS: Record<string, string[]> = { npm: [], pypi: ['--python', '3.11'], gem: ['--ruby', '3.1'] };

/** Runs one hostile build in fresh store, recipes and cache directories. */
async function hostileBuild(eco: string, extra: string[] = [], opts: { uid?: number } = {}) {
  const run = join(work, `run-${eco}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(run, { recursive: true });
  if (opts.uid !== undefined) chownSync(run, opts.uid, opts.uid);
  const args = ['build', recipes.get(eco)!, '--recipes', join(run, 'recipes'), '--store', join(run, 'store'), ...FLAGS[eco]!, ...extra];
  const env = { XDG_CACHE_HOME: join(run, 'cache'), HOME: run };
  const prefix = opts.uid === undefined ? [] : ['/usr/bin/setpriv', `--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups', '--'];
  const r = await bale(args, { env, prefix, timeoutMs: 300_000 });
  return { ...r, store: join(run, 'store') };
}

function assertContained(r: { code: number; stderr: string }, what: string): string {
  assert.equal(r.code, 1, r.stderr);
  const line = oneErrorLine(r.stderr);
  assert.match(line, new RegExp(`${what}.*full log: `));
  const log = namedLog(r.stderr);
  assert.match(log, /HOSTILE_DONE/, log);
  assert.deepEqual(log.match(/ESCAPED_\w+/g) ?? [], [], log);
  assert.match(log, /PROBE uid=65534 CapEff:0{16}/, 'runs as nobody with no capabilities');
  assert.match(log, /ptrace refused/);
  assert.match(log, /network refused/);
  assert.equal(existsSync(targets.usrFile), false, 'host /usr written');
  assert.equal(existsSync(targets.etcFile), false, 'host /etc written');
  assert.equal(connections, 0, 'reached a host port');
  return log;
}

describe(`hostile build scripts stay in the sandbox (bale as ${isRoot ? 'root' : 'a normal user'})`, () => {
  it('npm postinstall: no remount, no /usr or /etc write, no device node, no /root, no ptrace, no user namespace, no network', async () => {
    const r = await hostileBuild('npm');
    assertContained(r, 'hostile-npm@1\\.0\\.0 postinstall script failed');
    assert.deepEqual(await listFiles(join(r.store, 'packages')), [], 'a failed build stores nothing');
  });

  it("PEP 517 sdist build (setup.py's place): the same, contained", async () => {
    assertContained(await hostileBuild('pypi'), 'building pkg:pypi/hostile-py@1\\.0\\.0 from its sdist failed');
  });

  it('gem extconf.rb: the same, contained', async () => {
    assertContained(await hostileBuild('gem'), 'gem install of hostile-gem-1\\.0\\.0 failed');
  });

  it('as a normal user too: the same script is contained', async () => {
    // As root, the same build run by an unprivileged uid (bale's other mode: a user namespace).
    const r = isRoot ? await hostileBuild('npm', [], { uid: 4242 }) : await hostileBuild('npm');
    assertContained(r, 'postinstall script failed');
  });

  it('control: without the sandbox the same script does get out (so these tests would catch its removal)', async () => {
    if (!isRoot) {
      // Unprivileged and unsandboxed, the script cannot write /usr either: the check that matters is the network.
      const r = await hostileBuild('npm', ['--sandbox', 'direct']);
      assert.match(namedLog(r.stderr), /ESCAPED_NET/);
      connections = 0;
      return;
    }
    // No remount here: the script really is root on the host in this run.
    const files = new Map<string, Buffer>();
    const npm = await npmPackage('hostile-control', escapeScript({ ...targets, remount: false }));
    files.set('hostile-control-1.0.0.tgz', npm.tarball);
    const own = await serveFiles(files);
    const recipe = join(work, 'control.toml');
    writeFileSync(recipe, npm.recipe(own.url));
    try {
      const run = join(work, 'run-control');
      const r = await bale(['build', recipe, '--recipes', join(run, 'r'), '--store', join(run, 's'), '--sandbox', 'direct', '--i-know'], {
        env: { XDG_CACHE_HOME: join(run, 'c') },
      });
      const log = namedLog(r.stderr);
      for (const m of ['ESCAPED_USR', 'ESCAPED_ETC', 'ESCAPED_MKNOD', 'ESCAPED_READ_ROOT', 'ESCAPED_NET'])
        assert.match(log, new RegExp(m), log);
      assert.match(r.stderr, /WARNING: --sandbox direct --i-know/);
    } finally {
      for (const f of [targets.usrFile, targets.etcFile]) rmSync(f, { force: true });
      connections = 0;
      await own.close();
    }
  });

  it(
    isRoot
      ? 'without --i-know, root gets no unsandboxed build at all: one line, nothing run'
      : 'a normal user may ask for the direct runner',
    async () => {
      const r = await hostileBuild('npm', ['--sandbox', 'direct']);
      assert.equal(r.code, 1);
      if (isRoot) {
        assert.match(oneErrorLine(r.stderr), /refusing to run build scripts as root without a sandbox.*--i-know/);
        assert.equal(connections, 0);
      } else {
        assert.match(namedLog(r.stderr), /HOSTILE_DONE/);
        connections = 0;
      }
    },
  );
});
