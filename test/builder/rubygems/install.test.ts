import { DEFAULT_LIMITS } from '../../../src/limits/index.js';
/**
 * `gem install` in the real sandbox (bubblewrap) with the host's Ruby 3.1, gems made by `gem build`:
 * what is packaged, that it runs from an unpacked root with nothing from the host's gems, that a
 * second build under another clock, TZ, umask, work dir and -j gives the same bytes, and that bad
 * gems never reach `gem install`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { writeEntries } from '../../../src/archive/index.js';
import { failureSummary, installGem, type InstallGemOptions, type InstalledGem } from '../../../src/builder/rubygems/install.js';
import { type ErrorCode, isUserError } from '../../../src/errors/index.js';
import { discoverRubies, type RubyInterpreter } from '../../../src/interpreters/ruby.js';
import { pack, type PackEntry } from '../../../src/packer/index.js';
import { pickRunner, type Runner } from '../../../src/sandbox/index.js';
import { buildGem, HELLO, rubyEnv, tamperGem, ZEXT, type GemSpecInput } from './make-gem.js';

const H = 'usr/lib/ruby/gems/3.1.0';
const SDE = 1500000000; // 2017-07-14: not the gems' own date (2023-11-14)
const tmp = mkdtempSync(join(tmpdir(), 'bale-gem-install-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let ruby: RubyInterpreter;
let runner: Runner;
const gems: Record<string, Buffer> = {};
before(async () => {
  ruby = (await discoverRubies()).find((r) => r.version === '3.1')!;
  assert.ok(ruby, 'Ruby 3.1 not found');
  runner = await pickRunner('bubblewrap', (l) => assert.fail(l));
  const broken: GemSpecInput = {
    ...ZEXT,
    name: 'zbroken',
    files: {
      ...ZEXT.files,
      'ext/zext/extconf.rb': (ZEXT.files['ext/zext/extconf.rb'] as string).replace('have_library("z"', 'have_library("balenope"'),
    },
  };
  const [hello, zext, zbroken] = await Promise.all([buildGem(HELLO), buildGem(ZEXT), buildGem(broken)]);
  Object.assign(gems, { hello, zext, zbroken });
});

let n = 0;
function opts(gem: string, over: Partial<InstallGemOptions> = {}): InstallGemOptions {
  const spec = gem === 'zbroken' ? { name: 'zbroken', version: ZEXT.version } : gem === 'hello' ? HELLO : ZEXT;
  n++;
  return {
    gemFile: gems[gem]!,
    name: spec.name,
    version: spec.version,
    platform: 'ruby',
    ruby,
    runner,
    workDir: join(tmp, `work${n}`),
    sourceDateEpoch: SDE,
    logFile: join(tmp, 'logs', `${gem}-${n}.log`),
    jobs: 2,
    limits: DEFAULT_LIMITS,
    ...over,
  };
}

/** Writes the packages' entries into a fresh root, as untarring them would. */
async function unpack(...lists: PackEntry[][]): Promise<string> {
  const root = mkdtempSync(join(tmp, 'root-'));
  for (const l of lists) await writeEntries(l, root);
  return root;
}

/** Ruby with only the root's gems: GEM_HOME = GEM_PATH = the root's gem dir, no user gems. */
function runRuby(root: string, argv: string[]) {
  const home = join(root, H);
  return execa(argv[0]!, argv.slice(1), { env: rubyEnv(join(tmp, 'home'), { GEM_HOME: home, GEM_PATH: home }), extendEnv: false });
}

const paths = (l: PackEntry[]): string[] => l.map((e) => e.path);
const LEFTOVERS = /(mkmf\.log|gem_make\.out|\.o|Makefile|\.time|extconf\.h)$|\/(cache|build_info|doc)(\/|$)/;

let helloInstall: InstalledGem;
test("a pure gem: its files and spec in main, the wrapper in -bin with #!/usr/bin/ruby3.1 and the gem's own flag", async () => {
  helloInstall = await installGem(opts('hello'));
  const { main, bin } = helloInstall;
  assert.deepEqual(paths(main), [
    'usr',
    'usr/lib',
    'usr/lib/ruby',
    'usr/lib/ruby/gems',
    H,
    `${H}/gems`,
    `${H}/gems/hello-1.0.0`,
    `${H}/gems/hello-1.0.0/exe`,
    `${H}/gems/hello-1.0.0/exe/hello`,
    `${H}/gems/hello-1.0.0/lib`,
    `${H}/gems/hello-1.0.0/lib/hello.rb`,
    `${H}/specifications`,
    `${H}/specifications/hello-1.0.0.gemspec`,
  ]);
  assert.deepEqual(paths(bin), ['usr/bin', 'usr/bin/hello']);
  const wrapper = bin[1]!.data!.toString();
  assert.equal(wrapper.split('\n')[0], '#!/usr/bin/ruby3.1 -w');
  assert.ok(wrapper.includes("Gem.activate_bin_path('hello', 'hello', version)"), wrapper);
  assert.equal(bin[1]!.mode & 0o111, 0o111);
});

test("the installed gemspec keeps the gem's own date, not SOURCE_DATE_EPOCH's nor today's", () => {
  const spec = helloInstall.main.find((e) => e.path.endsWith('.gemspec'))!.data!.toString();
  assert.match(spec, /^ {2}s\.date = "2023-11-14"$/m);
  assert.match(spec, new RegExp(`^  s\\.installed_by_version = "${ruby.rubygemsVersion.replace(/\./g, '\\.')}"`, 'm'));
  assert.ok(!spec.includes('/build'), spec);
});

test("a gem whose metadata has no date gets SOURCE_DATE_EPOCH's day, never the clock's", async () => {
  const dateless = await tamperGem(gems.hello!, { dropMetadataLine: 'date:' });
  const { main } = await installGem(opts('hello', { gemFile: dateless, runner: clockShifted(runner) }));
  const spec = main.find((e) => e.path.endsWith('.gemspec'))!.data!.toString();
  assert.match(spec, /^ {2}s\.date = "2017-07-14"$/m);
});

test("the unpacked pure gem requires and runs with nothing from the host's gems", async () => {
  const root = await unpack(helloInstall.main, helloInstall.bin);
  const r = await runRuby(root, [
    ruby.bin,
    '-e',
    'require "hello"; puts Hello.greet("bale"); puts Gem.loaded_specs["hello"].full_gem_path; puts Gem.path.join(":")',
  ]);
  const [greeting, gemPath, gemPathList] = r.stdout.split('\n');
  assert.equal(greeting, 'hello, bale');
  assert.equal(gemPath, join(root, H, 'gems', 'hello-1.0.0'));
  assert.equal(gemPathList, join(root, H));
  const exe = await runRuby(root, [join(root, 'usr/bin/hello'), 'root']);
  assert.equal(exe.stdout, 'hello, root');
});

let zextInstall: InstalledGem;
test('a C extension linking zlib: the .so and gem.build_complete stay, no build leftovers, no build paths', async () => {
  zextInstall = await installGem(opts('zext', { buildFlags: ['--with-z-dir=/usr'] }));
  const { main, bin } = zextInstall;
  assert.deepEqual(bin, []);
  const X = `${H}/extensions/x86_64-linux/3.1.0/zext-0.1.0`;
  for (const p of [
    `${X}/gem.build_complete`,
    `${X}/zext/zext.so`,
    `${H}/gems/zext-0.1.0/lib/zext/zext.so`,
    `${H}/gems/zext-0.1.0/ext/zext/zext.c`,
    `${H}/gems/zext-0.1.0/ext/zext/extconf.rb`,
  ]) {
    assert.ok(paths(main).includes(p), `${p} missing`);
  }
  assert.deepEqual(
    paths(main).filter((p) => LEFTOVERS.test(p)),
    [],
  );
  assert.ok(!paths(main).includes(`${H}/gems/zext-0.1.0/ext/zext/zext.so`), 'the unpackaged .so in ext/ stays behind');
  const so = main.find((e) => e.path === `${X}/zext/zext.so`)!.data!;
  assert.ok(so.subarray(0, 4).equals(Buffer.from('\x7fELF', 'latin1')));
  assert.ok(!so.includes('/build'), 'the build path leaked into the .so');
  assert.ok(!so.includes('.debug_info'), 'debug info was not dropped (-g0)');
});

test('the unpacked extension loads from the root, computes crc32 with zlib and names its installed path', async () => {
  const root = await unpack(zextInstall.main);
  const script =
    'require "zext"; require "zlib"; p [Zext.crc32("hello"), Zlib.crc32("hello")]; puts $LOADED_FEATURES.grep(/zext\\.so/), Zext.source';
  const r = await runRuby(root, [ruby.bin, '-e', script]);
  const [crcs, loaded, source] = r.stdout.split('\n');
  assert.equal(crcs, '[907060870, 907060870]');
  assert.ok(loaded!.startsWith(`${join(root, H)}/`), loaded);
  // Compiled at /build/root/usr/lib/...: the path it records is where the file is installed.
  assert.equal(source, `/${H}/gems/zext-0.1.0/ext/zext/include/zext_where.h`);
});

/** Runs every sandboxed command under libfaketime, three years ahead. */
function clockShifted(inner: Runner): Runner {
  return {
    name: inner.name,
    usable: () => inner.usable(),
    run: (cmd) => inner.run({ ...cmd, argv: ['/usr/bin/faketime', '-f', '+3y', ...cmd.argv] }),
  };
}

test('a second install under another clock, TZ, umask, work dir and -j gives the same bytes', async () => {
  // The shifted clock is real inside the sandbox.
  const clock = join(tmp, 'clock.log');
  await clockShifted(runner).run({ argv: ['/usr/bin/date', '-u', '+%Y'], env: {}, cwd: '/', mounts: [], logFile: clock });
  assert.equal(readFileSync(clock, 'utf8').trim(), String(new Date().getUTCFullYear() + 3));
  const first = { hello: helloInstall, zext: zextInstall };
  const savedTz = process.env.TZ;
  const savedUmask = process.umask(0o077);
  process.env.TZ = 'Pacific/Chatham';
  try {
    for (const [gem, install] of Object.entries(first)) {
      const again = await installGem(
        opts(gem, {
          runner: clockShifted(runner),
          jobs: 7,
          workDir: join(tmp, 'elsewhere', 'deeper', gem),
          ...(gem === 'zext' ? { buildFlags: ['--with-z-dir=/usr'] } : {}),
        }),
      );
      for (const part of ['main', 'bin'] as const) {
        assert.deepEqual(paths(again[part]), paths(install[part]));
        for (const [i, e] of again[part].entries())
          assert.ok(e.data === undefined || e.data.equals(install[part][i]!.data!), `${e.path} differs`);
        const [a, b] = await Promise.all([pack(install[part], { sourceDateEpoch: SDE }), pack(again[part], { sourceDateEpoch: SDE })]);
        assert.equal(b.sha256, a.sha256, `${gem} ${part}`);
      }
    }
  } finally {
    process.umask(savedUmask);
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  }
});

/** A runner that must not be reached: bad gems are refused before anything runs. */
const untouchable: Runner = { name: 'direct', usable: async () => true, run: async () => assert.fail('gem install ran on a bad gem') };

const refusedWith =
  (code: ErrorCode, says: string[]) =>
  (err: Error & { code?: string }): boolean => {
    assert.ok(isUserError(err), String(err));
    assert.equal(err.code, code, err.message);
    for (const s of says) assert.ok(err.message.includes(s), `"${err.message}" does not say "${s}"`);
    assert.ok(!err.message.includes('\n'));
    return true;
  };

test('a corrupt gem, a checksum mismatch and a ../ entry are refused before gem install runs', async () => {
  const truncated = gems.hello!.subarray(0, 1000);
  await assert.rejects(
    installGem(opts('hello', { gemFile: truncated, runner: untouchable })),
    refusedWith('EGEM', ['hello-1.0.0.gem', 'not a valid .gem']),
  );
  const swapped = await tamperGem(gems.hello!, { data: [{ name: 'lib/hello.rb', text: 'evil\n' }], keepChecksums: true });
  await assert.rejects(
    installGem(opts('hello', { gemFile: swapped, runner: untouchable })),
    refusedWith('EINTEGRITY', ['SHA256 of data.tar.gz']),
  );
  const climbing = await tamperGem(gems.hello!, { data: [{ name: '../../../../bin/evil', text: 'evil\n' }] });
  await assert.rejects(
    installGem(opts('hello', { gemFile: climbing, runner: untouchable, source: 'https://gems.example/hello-1.0.0.gem' })),
    refusedWith('EARCHIVE', ['https://gems.example/hello-1.0.0.gem data.tar.gz', "'..' leaves the archive root"]),
  );
});

test('a missing native library fails the build with the check that failed and the log, mkmf.log included', async () => {
  const o = opts('zbroken');
  await assert.rejects(
    installGem(o),
    refusedWith('EBUILD', [
      'gem install of zbroken-0.1.0 failed for Ruby 3.1',
      'checking for crc32() in -lbalenope... no (zlib is missing)',
      `full log: ${o.logFile}`,
    ]),
  );
  const log = readFileSync(o.logFile, 'utf8');
  assert.ok(log.startsWith(`# bale: ${ruby.realBin} ${ruby.gemBin} install --norc --local --ignore-dependencies`), log.slice(0, 200));
  assert.match(log, /# bale: usr\/lib\/ruby\/gems\/3\.1\.0\/extensions\/.*\/mkmf\.log\n.*-lbalenope/s);
});

test('a .gem that is another gem than the recipe says is refused after install', async () => {
  await assert.rejects(
    installGem(opts('hello', { name: 'hullo' })),
    refusedWith('EGEM', ['hullo-1.0.0.gem did not install as hullo-1.0.0']),
  );
});

test('failureSummary picks the line that says why', () => {
  assert.equal(
    failureSummary('x\nchecking for a... yes\nchecking for b() in -lb... no\nb missing\n*** extconf.rb failed ***\nResults logged to y'),
    'checking for b() in -lb... no (b missing)',
  );
  assert.equal(failureSummary('checking for b... no\n*** extconf.rb failed ***'), 'checking for b... no');
  assert.equal(
    failureSummary('compiling a.c\na.c:3:10: fatal error: foo.h: No such file or directory\nmake failed'),
    'a.c:3:10: fatal error: foo.h: No such file or directory',
  );
  assert.equal(
    failureSummary('ERROR:  Error installing x.gem:\n\tx requires Ruby version >= 3.3.\n'),
    'ERROR:  Error installing x.gem: x requires Ruby version >= 3.3.',
  );
  assert.equal(failureSummary(''), '(no output)');
});
