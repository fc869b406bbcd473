import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { isUserError } from '../../src/errors/index.js';
import { discoverRubies, missingRubiesError, parseRubyList, unusableRubyReason, type RubyProbe } from '../../src/interpreters/ruby.js';

const root = mkdtempSync(join(tmpdir(), 'bale-ruby-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A HOME and RBENV_ROOT with nothing in them: only the system's Rubies. */
const emptyEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  HOME: join(root, 'nohome'),
  RBENV_ROOT: join(root, 'norbenv'),
  ...extra,
});

function executable(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

const rejectsWith =
  (says: string[]) =>
  (err: Error & { code?: string }): boolean => {
    assert.ok(isUserError(err), String(err));
    assert.equal(err.code, 'ERUBY');
    for (const s of says) assert.ok(err.message.includes(s), `"${err.message}" does not say "${s}"`);
    assert.ok(!err.message.includes('\n'));
    return true;
  };

const probe = (over: Partial<RubyProbe>): RubyProbe => ({
  engine: 'ruby',
  version: '3.1.2',
  platform: 'x86_64-linux-gnu',
  abi: '3.1.0',
  prefix: '/usr',
  archdir: '/a',
  bindir: '/usr/bin',
  installName: 'ruby3.1',
  hdrdir: '',
  archFlag: '',
  gemPlatform: 'x86_64-linux',
  extensionApi: '3.1.0',
  rubygems: '3.3.15',
  ...over,
});

/** A fake interpreter that describes itself as `over` says. */
const fakeRuby = (over: Partial<RubyProbe>): string => `#!/bin/sh\ncat <<'EOF'\n${JSON.stringify(probe(over))}\nEOF\n`;

test("discoverRubies finds Debian's Ruby 3.1 under its versioned name, with what the builder needs", async () => {
  const found = await discoverRubies({ env: emptyEnv() });
  assert.deepEqual(
    found.map((r) => r.version),
    ['3.1'],
  );
  const r = found[0]!;
  const real = await execa('/usr/bin/ruby3.1', ['-e', 'print RUBY_VERSION, " ", Gem::VERSION'], { env: {}, extendEnv: false });
  assert.deepEqual(
    { ...r },
    {
      version: '3.1',
      fullVersion: real.stdout.split(' ')[0],
      bin: '/usr/bin/ruby3.1',
      realBin: '/usr/bin/ruby3.1',
      gemBin: '/usr/bin/gem3.1',
      abi: '3.1.0',
      prefix: '/usr',
      archdir: '/usr/lib/x86_64-linux-gnu/ruby/3.1.0',
      hdrdir: '/usr/include/ruby-3.1.0',
      gemPlatform: 'x86_64-linux',
      extensionApi: '3.1.0',
      rubygemsVersion: real.stdout.split(' ')[1],
      archFlag: '',
      source: 'system',
    },
  );
});

test('a configured Ruby (BALE_RUBIES, a directory holding bin/ruby) wins over the system one', async () => {
  const dir = join(root, 'configured');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  symlinkSync('/usr/bin/ruby3.1', join(dir, 'bin', 'ruby'));
  const [r] = await discoverRubies({ env: emptyEnv({ BALE_RUBIES: dir }) });
  assert.equal(r!.source, 'configured');
  assert.equal(r!.bin, join(dir, 'bin', 'ruby'));
  // What runs in the sandbox is the Ruby RbConfig describes, and the gem command beside it, not beside the link.
  assert.equal(r!.realBin, '/usr/bin/ruby3.1');
  assert.equal(r!.gemBin, '/usr/bin/gem3.1');
});

test("rbenv's Rubies come before the system's; ones that do not qualify are skipped", async () => {
  const rbenv = join(root, 'rbenv');
  executable(join(rbenv, 'versions', '3.1.9', 'bin', 'ruby'), '#!/bin/sh\nexec /usr/bin/ruby3.1 "$@"\n');
  executable(join(rbenv, 'versions', 'jruby-9.4', 'bin', 'ruby'), fakeRuby({ engine: 'jruby', version: '9.4.0', platform: 'java' }));
  executable(join(rbenv, 'versions', 'old', 'bin', 'ruby'), fakeRuby({ version: '2.6.10', abi: '2.6.0' }));
  executable(join(rbenv, 'versions', 'broken', 'bin', 'ruby'), '#!/bin/sh\nexit 3\n');
  const found = await discoverRubies({ env: emptyEnv({ RBENV_ROOT: rbenv }) });
  assert.deepEqual(
    found.map((r) => [r.version, r.source, r.bin]),
    [['3.1', 'rbenv', join(rbenv, 'versions', '3.1.9', 'bin', 'ruby')]],
  );
});

test('a configured Ruby that does not qualify is an error naming it', async () => {
  await assert.rejects(
    discoverRubies({ env: emptyEnv({ BALE_RUBIES: join(root, 'nope') }) }),
    rejectsWith(['nope', 'does not exist', 'BALE_RUBIES']),
  );
  const jruby = executable(join(root, 'jruby', 'ruby'), fakeRuby({ engine: 'jruby', version: '9.4.0', platform: 'java' }));
  await assert.rejects(discoverRubies({ search: [jruby], env: emptyEnv() }), rejectsWith([jruby, 'is jruby, not CRuby']));
  const dead = executable(join(root, 'dead', 'ruby'), '#!/bin/sh\necho boom >&2; exit 1\n');
  await assert.rejects(discoverRubies({ env: emptyEnv({ BALE_RUBIES: dead }) }), rejectsWith([dead, 'does not run (boom)']));
  const chatty = executable(join(root, 'chatty', 'ruby'), '#!/bin/sh\necho \'{"engine":"ruby"}\'\n');
  await assert.rejects(
    discoverRubies({ search: [chatty], env: emptyEnv() }),
    rejectsWith([chatty, 'printed something other than its description']),
  );
  const noreal = executable(join(root, 'noreal', 'ruby'), fakeRuby({ bindir: join(root, 'noreal'), installName: 'ruby9' }));
  await assert.rejects(
    discoverRubies({ search: [noreal], env: emptyEnv() }),
    rejectsWith([noreal, `has no interpreter at ${join(root, 'noreal', 'ruby9')}`]),
  );
  const nogem = executable(join(root, 'nogem', 'ruby'), fakeRuby({ bindir: join(root, 'nogem'), installName: 'ruby' }));
  await assert.rejects(
    discoverRubies({ search: [nogem], env: emptyEnv() }),
    rejectsWith([nogem, `has no gem command in ${join(root, 'nogem')}`]),
  );
  mkdirSync(join(root, 'emptydir'));
  await assert.rejects(discoverRubies({ env: emptyEnv({ BALE_RUBIES: join(root, 'emptydir') }) }), rejectsWith(['holds no ruby']));
});

test('unusableRubyReason: CRuby 2.7+ on Linux glibc only', () => {
  assert.equal(unusableRubyReason(probe({})), undefined);
  assert.equal(unusableRubyReason(probe({ version: '2.7.8', abi: '2.7.0' })), undefined);
  assert.match(unusableRubyReason(probe({ version: '2.6.10' }))!, /bale builds for 2\.7 and later/);
  assert.match(unusableRubyReason(probe({ engine: 'truffleruby' }))!, /truffleruby, not CRuby/);
  assert.match(unusableRubyReason(probe({ platform: 'x86_64-linux-musl' }))!, /not Linux with glibc/);
  assert.match(unusableRubyReason(probe({ platform: 'arm64-darwin23' }))!, /not Linux/);
});

const lists: Array<[string, string[]]> = [
  ['3.1,3.2', ['3.1', '3.2']],
  [' 3.3 ', ['3.3']],
  ['3.2,3.1,3.2', ['3.2', '3.1']],
  ['3.0-3.3', ['3.0', '3.1', '3.2', '3.3']],
  ['2.7,3.4', ['2.7', '3.4']],
  ['3.10', ['3.10']],
];
for (const [flag, want] of lists) test(`parseRubyList ${JSON.stringify(flag)}`, () => assert.deepEqual(parseRubyList(flag), want));

const badLists: Array<[string, string]> = [
  ['', 'empty item'],
  ['3.1,', 'empty item'],
  ['3', '"3" is not a version'],
  ['3.1.2', '"3.1.2"'],
  ['ruby3.1', '"ruby3.1"'],
  ['2.6', '2.6 is not supported'],
  ['3.3-3.1', 'runs backwards'],
  ['2.7-3.1', 'crosses a major'],
  ['3.1-', '"3.1-"'],
  ['3.01', '"3.01"'],
];
for (const [flag, says] of badLists) {
  test(`parseRubyList refuses ${JSON.stringify(flag)}`, () => {
    assert.throws(
      () => parseRubyList(flag),
      (err: Error & { code?: string }) =>
        isUserError(err) &&
        err.code === 'EUSAGE' &&
        err.message.includes(`--ruby ${JSON.stringify(flag)}`) &&
        err.message.includes(says) &&
        !err.message.includes('\n'),
    );
  });
}

test('missingRubiesError names what is missing, what exists and how to add one', async () => {
  const found = await discoverRubies({ env: emptyEnv() });
  const err = missingRubiesError(['3.3', '3.4'], found);
  assert.equal(err.code, 'ERUBY');
  for (const s of [
    'Ruby 3.3, 3.4 not found',
    'found 3.1 (/usr/bin/ruby3.1)',
    'apt-get install ruby3.3 ruby3.3-dev',
    'rbenv install 3.3',
    'BALE_RUBIES=',
  ]) {
    assert.ok(err.message.includes(s), `${err.message} lacks ${s}`);
  }
  assert.ok(missingRubiesError(['3.2'], []).message.includes('found none'));
});
