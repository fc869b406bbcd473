import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DirectRunner, toHostCommand, translatePaths } from '../../src/sandbox/direct.js';
import type { Mount } from '../../src/sandbox/types.js';
import { envLines, NODE, readText, sleep, tempDir } from './helpers.js';

const mounts: Mount[] = [
  { host: '/tmp/x', sandbox: '/build' },
  { host: '/srv/src', sandbox: '/build/src' },
  { host: '/usr', sandbox: '/usr' },
];
const cases: Array<[string, string]> = [
  ['/build', '/tmp/x'],
  ['/build/', '/tmp/x/'],
  ['/build/out/lib.so', '/tmp/x/out/lib.so'],
  ['/build/src/a.c', '/srv/src/a.c'], // the nested mount wins
  ['/build/srcfoo', '/tmp/x/srcfoo'],
  ['/buildx/a', '/buildx/a'], // not a component boundary
  ['x/build/a', 'x/build/a'], // not at a path start
  ['/usr/bin/cc', '/usr/bin/cc'],
  ['/build/bin:/usr/bin:/build/src/bin', '/tmp/x/bin:/usr/bin:/srv/src/bin'],
  ['--prefix=/build/out', '--prefix=/tmp/x/out'],
  ['-ffile-prefix-map=/build=. -I/build/inc', '-ffile-prefix-map=/tmp/x=. -I/build/inc'],
  ['-O2 /build/a.c /build/src/b.c', '-O2 /tmp/x/a.c /srv/src/b.c'],
  ['', ''],
];
for (const [input, want] of cases) {
  test(`translatePaths ${JSON.stringify(input)}`, () => assert.equal(translatePaths(input, mounts), want));
}

test('toHostCommand translates argv, env and cwd and adds PWD', () => {
  const got = toHostCommand({
    argv: ['/build/bin/tool', '/build/src/in'],
    env: { OUT: '/build/out', TZ: 'UTC' },
    cwd: '/build/src',
    mounts,
  });
  assert.deepEqual(got, {
    file: '/tmp/x/bin/tool',
    args: ['/srv/src/in'],
    env: { OUT: '/tmp/x/out', TZ: 'UTC', PWD: '/srv/src' },
    cwd: '/srv/src',
  });
});

const runner = new DirectRunner({ allowRoot: true });

test('runs on the host with sandbox paths translated', async () => {
  const host = tempDir();
  mkdirSync(join(host, 'sub'));
  const script = 'const fs=require("fs"); fs.writeFileSync(process.env.OUT, process.cwd() + " " + process.argv[1])';
  const r = await runner.run({
    argv: [NODE, '-e', script, '/build/arg'],
    env: { OUT: '/build/out.txt' },
    cwd: '/build/sub',
    mounts: [{ host, sandbox: '/build', writable: true }],
  });
  assert.equal(r.exitCode, 0);
  assert.equal(readText(join(host, 'out.txt')), `${join(host, 'sub')} ${host}/arg`);
});

test('the environment is exactly what was passed, plus PWD', async () => {
  const host = tempDir();
  const env = { PATH: '/usr/bin', SPACED: 'a b=c' };
  const r = await runner.run({ argv: ['/usr/bin/env'], env, cwd: '/', mounts: [], logFile: join(host, 'env.txt') });
  assert.equal(r.exitCode, 0);
  assert.deepEqual(readText(join(host, 'env.txt')).trim().split('\n').sort(), envLines({ ...env, PWD: '/' }));
});

test('umask is 022 for the command even when bale runs with 077', async () => {
  const host = tempDir();
  const previous = process.umask(0o077);
  try {
    const r = await runner.run({
      argv: [NODE, '-e', 'require("fs").writeFileSync("/b/f", "x")'],
      env: {},
      cwd: '/',
      mounts: [{ host, sandbox: '/b' }],
    });
    assert.equal(r.exitCode, 0);
    assert.equal(statSync(join(host, 'f')).mode & 0o777, 0o644);
  } finally {
    process.umask(previous);
  }
});

test('a timeout kills the child and its children', async () => {
  const host = tempDir();
  const child = 'setInterval(() => require("fs").appendFileSync(process.env.T, "."), 20)';
  const script = `require("child_process").spawn(process.execPath, ["-e", ${JSON.stringify(child)}], { stdio: "ignore" }); setInterval(() => {}, 1000)`;
  const r = await runner.run({
    argv: [NODE, '-e', script],
    env: { T: '/b/t' },
    cwd: '/',
    mounts: [{ host, sandbox: '/b' }],
    timeoutMs: 1000,
  });
  assert.equal(r.timedOut, true);
  assert.equal(r.exitCode, 137);
  await sleep(200);
  const size = statSync(join(host, 't')).size;
  assert.ok(size > 0);
  await sleep(500);
  assert.equal(statSync(join(host, 't')).size, size, 'the grandchild is dead');
});

test('exit codes, and a missing program is 127 with the reason in the log', async () => {
  const host = tempDir();
  assert.deepEqual(await runner.run({ argv: [NODE, '-e', 'process.exit(5)'], env: {}, cwd: '/', mounts: [] }), {
    exitCode: 5,
    timedOut: false,
  });
  const logFile = join(host, 'log.txt');
  const r = await runner.run({ argv: ['/nonexistent/cc'], env: {}, cwd: '/', mounts: [], logFile });
  assert.equal(r.exitCode, 127);
  assert.match(readText(logFile), /cannot run \/nonexistent\/cc/);
});
