/**
 * Hostile build scripts that do not try to leave but to take the machine down: sleep forever, fork
 * without end, fill the disk with one file or with many. Each is stopped by its limit, named in one
 * line, leaves no process and no scratch directory, and stores nothing. SIGTERM to bale in the
 * middle of a build does the same.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { BALE_BIN, bale, listFiles, oneErrorLine, tempDir } from '../helpers/cli.js';
import { gem, namedLog, npmPackage, sdist, serveFiles } from './build-scripts.js';

const SLEEP = 100000 + (process.pid % 9000);
const SCRIPTS: Record<string, string> = {
  sleeper: `echo STARTED; sleep ${SLEEP}`,
  // Forks until the process limit refuses, then keeps trying: only the timeout ends it.
  forkbomb: `while :; do sleep ${SLEEP} & done`,
  bigfile: 'head -c 209715200 /dev/zero > big.bin && echo WROTE',
  manyfiles: 'i=0; while :; do head -c 1048576 /dev/zero > f$i.bin || exit 1; i=$((i+1)); done',
  // Not runaway, but what no package may hold: named by package and path, not by the staging dir.
  fifo: 'mkdir -p lib && mkfifo lib/leftover.pipe',
};

let work: string;
let cleanup: () => Promise<void>;
let server: { url: string; close(): Promise<void> };
const recipes = new Map<string, string>();

function withLimits(recipe: string, limits: string): string {
  return `${recipe}\n[build.limits]\n${limits}\n`;
}

before(async () => {
  ({ dir: work, cleanup } = await tempDir('hostile-limits'));
  chmodSync(work, 0o755);
  const files = new Map<string, Buffer>();
  const add = (name: string, recipe: string): void => {
    const file = join(work, `${name}.toml`);
    writeFileSync(file, recipe);
    recipes.set(name, file);
  };
  const pending: Array<[string, (url: string) => string]> = [];
  for (const [name, script] of Object.entries(SCRIPTS)) {
    const p = await npmPackage(`hostile-${name}`, script);
    files.set(`hostile-${name}-1.0.0.tgz`, p.tarball);
    pending.push([name, p.recipe]);
  }
  const py = await sdist('hostile-pysleep', `sleep ${SLEEP}`);
  files.set(py.filename, py.data);
  const rb = await gem(work, 'hostile-gemdisk', 'head -c 209715200 /dev/zero > big.bin; echo "head exit $?"; exit 1');
  files.set(rb.filename, rb.data);
  server = await serveFiles(files);
  const limits: Record<string, string> = {
    sleeper: 'timeout = "3s"',
    forkbomb: 'processes = 64\ntimeout = "6s"',
    bigfile: 'disk = "32MiB"',
    manyfiles: 'disk = "64MiB"',
    fifo: 'timeout = "60s"',
  };
  for (const [name, recipe] of pending) add(name, withLimits(recipe(server.url), limits[name]!));
  add('pysleep', withLimits(py.recipe(server.url), 'timeout = "3s"'));
  add('gemdisk', withLimits(rb.recipe(server.url), 'disk = "32MiB"'));
  add('sleeper-no-limit', pending.find(([n]) => n === 'sleeper')![1](server.url));
});

after(async () => {
  await server?.close();
  await cleanup();
});

async function leftovers(): Promise<string> {
  const r = await execa('pgrep', ['-af', `sleep ${SLEEP}`], { reject: false });
  return r.stdout.trim();
}

async function build(name: string, extra: string[] = []) {
  const run = join(work, `run-${name}`);
  mkdirSync(run, { recursive: true });
  const started = Date.now();
  const flags = name === 'pysleep' ? ['--python', '3.11'] : name === 'gemdisk' ? ['--ruby', '3.1'] : [];
  const r = await bale(['build', recipes.get(name)!, '--recipes', join(run, 'r'), '--store', join(run, 's'), ...flags, ...extra], {
    env: { XDG_CACHE_HOME: join(run, 'cache') },
    timeoutMs: 120_000,
  });
  const scratch = join(run, 'cache', 'bale', 'tmp');
  return {
    ...r,
    seconds: (Date.now() - started) / 1000,
    scratch: existsSync(scratch) ? readdirSync(scratch) : [],
    stored: await listFiles(join(run, 's', 'packages')),
  };
}

function assertStopped(r: Awaited<ReturnType<typeof build>>, why: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.match(oneErrorLine(r.stderr), why);
  assert.deepEqual(r.scratch, [], 'scratch directories left behind');
  assert.deepEqual(r.stored, [], 'a stopped build stored something');
}

describe('build limits: every runaway build is stopped, named, and leaves nothing', () => {
  it("sleep forever: stopped at the recipe's timeout, the whole tree killed", async () => {
    const r = await build('sleeper');
    assertStopped(
      r,
      /postinstall script failed for Node .*timed out after 3s \(the timeout limit: raise it with --build-timeout, or \[build\.limits\] timeout in the recipe\)/,
    );
    assert.ok(r.seconds < 60, `took ${r.seconds} s`);
    assert.equal(await leftovers(), '');
  });

  it('--build-timeout sets the default for recipes without their own', async () => {
    const r = await build('sleeper-no-limit', ['--build-timeout', '2s']);
    assertStopped(r, /timed out after 2s/);
    assert.equal(await leftovers(), '');
  });

  it('a fork bomb hits the process limit, which is named; nothing of it survives', async () => {
    const r = await build('forkbomb');
    assertStopped(
      r,
      /postinstall script failed for Node .*\(exit 2, probably at the processes limit \(64: raise it with \[build\.limits\] processes in the recipe\)\): .*Cannot fork/,
    );
    assert.equal(await leftovers(), '', 'fork bomb processes still running');
  });

  it('one file larger than the disk limit: SIGXFSZ, named', async () => {
    assertStopped(await build('bigfile'), /exit 153 \(SIGXFSZ: a file larger than the disk limit, 32 MiB\)/);
  });

  it('many files past the disk limit: stopped by the disk watch, named with how to raise it', async () => {
    assertStopped(
      await build('manyfiles'),
      /stopped after writing more than 64 MiB to disk \(the disk limit: raise it with \[build\.limits\] disk in the recipe\)/,
    );
  });

  it("a fifo left in the package's tree is named by package and path, nothing stored", async () => {
    const r = await build('fifo');
    assertStopped(r, /^bale: error: hostile-fifo@1\.0\.0: its build left a fifo at lib\/leftover\.pipe \(in the package's tree\)/);
    assert.doesNotMatch(r.stderr, /bale\/tmp\//, 'the staging path, gone by now');
  });

  it('the PyPI builder applies the same limits (an sdist build that sleeps)', async () => {
    assertStopped(await build('pysleep'), /from its sdist failed for Python 3\.11\.\d+ \(timed out after 3s/);
    assert.equal(await leftovers(), '');
  });

  it('the RubyGems builder applies the same limits (an extconf.rb that fills the disk)', async () => {
    const r = await build('gemdisk');
    assertStopped(r, /gem install of hostile-gemdisk-1\.0\.0 failed for Ruby 3\.1\.\d+ \(exit 1\)/);
    // extconf.rb's failure is what gem install reports; its log shows the limit that caused it.
    assert.match(namedLog(r.stderr), /head exit 153/);
  });

  it('SIGTERM to bale mid-build: the build is killed, its scratch removed, one line, exit 143', async () => {
    const run = join(work, 'run-sigterm');
    mkdirSync(run, { recursive: true });
    const child = execa(
      process.execPath,
      [BALE_BIN, 'build', recipes.get('sleeper-no-limit')!, '--recipes', join(run, 'r'), '--store', join(run, 's')],
      {
        env: { XDG_CACHE_HOME: join(run, 'cache') },
        reject: false,
      },
    );
    const scratch = join(run, 'cache', 'bale', 'tmp');
    const deadline = Date.now() + 60_000;
    while ((await leftovers()) === '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.notEqual(await leftovers(), '', 'the build never started');
    assert.ok(readdirSync(scratch).length > 0, 'a scratch directory while building');
    child.kill('SIGTERM');
    const r = await child;
    assert.equal(r.exitCode, 143);
    assert.equal(String(r.stderr).trim(), 'bale: SIGTERM: stopped');
    assert.deepEqual(readdirSync(scratch), []);
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(await leftovers(), '');
  });
});
