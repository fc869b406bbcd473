import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { BubblewrapRunner } from '../../src/sandbox/bubblewrap.js';
import { DirectRunner } from '../../src/sandbox/direct.js';
import type { SandboxCommand } from '../../src/sandbox/types.js';
import { envLines, NODE, nodeMounts, readText, sleep, tempDir } from './helpers.js';

const runner = new BubblewrapRunner();
const work = tempDir();
let n = 0;
/** Runs a node script in the sandbox with /work bound writable; returns the result and its log. */
async function node(script: string, extra: Partial<SandboxCommand> = {}, r: BubblewrapRunner | DirectRunner = runner) {
  const logFile = join(work, `log-${++n}.txt`);
  const mounts = [...nodeMounts(), { host: work, sandbox: '/work', writable: true }, ...(extra.mounts ?? [])];
  const result = await r.run({ argv: [NODE, '-e', script], env: { TZ: 'UTC' }, cwd: '/', logFile, ...extra, mounts });
  return { ...result, log: existsSync(logFile) ? readText(logFile) : '' };
}

test('usable here', async () => {
  assert.equal(await runner.usable(), true);
});

test('the environment is exactly what was passed, plus PWD', async () => {
  const env = { PATH: '/usr/bin', LC_ALL: 'C.UTF-8', SPACED: 'a b=c' };
  const logFile = join(work, 'env.txt');
  const r = await runner.run({ argv: ['/usr/bin/env'], env, cwd: '/work', mounts: [{ host: work, sandbox: '/work' }], logFile });
  assert.equal(r.exitCode, 0);
  assert.deepEqual(readText(logFile).trim().split('\n').sort(), envLines({ ...env, PWD: '/work' }));
});

test('cwd, hostname and pid namespace', async () => {
  const r = await node('console.log(process.cwd(), require("os").hostname(), process.pid < 10)', { cwd: '/work' });
  assert.equal(r.exitCode, 0, r.log);
  assert.equal(r.log.trim(), '/work bale true');
});

test('writable mounts take writes, read-only mounts refuse them', async () => {
  const ro = tempDir();
  writeFileSync(join(ro, 'in.txt'), 'source');
  const mounts = [{ host: ro, sandbox: '/src' }];
  const ok = await node('const fs=require("fs"); fs.writeFileSync("/work/out.txt", fs.readFileSync("/src/in.txt"))', { mounts });
  assert.equal(ok.exitCode, 0, ok.log);
  assert.equal(readText(join(work, 'out.txt')), 'source');
  const refused = await node('require("fs").writeFileSync("/src/new.txt", "x")', { mounts });
  assert.notEqual(refused.exitCode, 0);
  assert.match(refused.log, /EROFS/);
  assert.equal(existsSync(join(ro, 'new.txt')), false);
  const toolchain = await node('require("fs").writeFileSync("/usr/bale-was-here", "x")');
  assert.match(toolchain.log, /EROFS/);
});

test('nested mounts: a read-only child inside a writable parent, given child first', async () => {
  const parent = tempDir();
  const child = tempDir();
  writeFileSync(join(child, 'c.txt'), 'child');
  const mounts = [
    { host: child, sandbox: '/b/src' },
    { host: parent, sandbox: '/b', writable: true },
  ];
  const r = await node(
    'const fs=require("fs"); fs.writeFileSync("/b/copy", fs.readFileSync("/b/src/c.txt")); fs.writeFileSync("/b/src/no", "x")',
    { mounts },
  );
  assert.equal(readText(join(parent, 'copy')), 'child');
  assert.match(r.log, /EROFS/);
});

test('umask is 022 inside even when bale runs with 077', async () => {
  const previous = process.umask(0o077);
  try {
    const r = await node(
      'const fs=require("fs"); fs.writeFileSync("/work/umask.txt", "x"); fs.mkdirSync("/work/umask-dir"); console.log(process.umask().toString(8))',
    );
    assert.equal(r.log.trim(), '22');
    assert.equal(statSync(join(work, 'umask.txt')).mode & 0o777, 0o644);
    assert.equal(statSync(join(work, 'umask-dir')).mode & 0o777, 0o755);
    assert.equal(process.umask(0o077), 0o077, "the caller's umask is restored");
  } finally {
    process.umask(previous);
  }
});

test('no network: a port on the host loopback is unreachable, and DNS fails', async () => {
  let connections = 0;
  const server = createServer((s) => {
    connections++;
    s.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const probe = `require("net").connect(${port}, "127.0.0.1").on("connect", () => { console.log("connected"); process.exit(0) }).on("error", (e) => { console.log(e.code); process.exit(0) })`;
  try {
    // The same probe from the unisolated runner reaches the server: the check itself works.
    const direct = await node(probe, {}, new DirectRunner({ allowRoot: true }));
    assert.equal(direct.log.trim(), 'connected');
    const inside = await node(probe);
    assert.equal(inside.log.trim(), 'ECONNREFUSED');
    assert.equal(connections, 1);
  } finally {
    server.close();
  }
  // With the host's resolver config bound in, only the missing network can make lookups fail.
  const mounts = existsSync('/etc/resolv.conf') ? [{ host: '/etc/resolv.conf', sandbox: '/etc/resolv.conf' }] : [];
  const dns = await node('require("dns").lookup("registry.npmjs.org", (e, a) => { console.log(e ? "fail " + e.code : "resolved " + a) })', {
    mounts,
  });
  assert.match(dns.log, /^fail /);
});

test('exit codes and signals are reported', async () => {
  assert.equal((await node('process.exit(3)')).exitCode, 3);
  const killed = await node('process.kill(process.pid, "SIGTERM"); setTimeout(() => {}, 5000)');
  assert.equal(killed.exitCode, 128 + 15);
  assert.equal(killed.timedOut, false);
});

test('a timeout kills the whole tree, including a detached grandchild', async () => {
  mkdirSync(join(work, 'tick'), { recursive: true });
  const child = 'setInterval(() => require("fs").appendFileSync("/work/tick/t", "."), 20)';
  const script = `require("child_process").spawn(process.execPath, ["-e", ${JSON.stringify(child)}], { detached: true, stdio: "ignore" }); setInterval(() => {}, 1000)`;
  const t0 = Date.now();
  const r = await node(script, { timeoutMs: 1500 });
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(Date.now() - t0 < 10_000);
  await sleep(200);
  const size = statSync(join(work, 'tick/t')).size;
  assert.ok(size > 0, 'the grandchild ran');
  await sleep(500);
  assert.equal(statSync(join(work, 'tick/t')).size, size, 'the grandchild is dead');
});

test('the log gets stdout and stderr appended after what was there', async () => {
  const logFile = join(work, 'logs/append.txt');
  mkdirSync(join(work, 'logs'));
  writeFileSync(logFile, 'earlier\n');
  const r = await runner.run({
    argv: [NODE, '-e', 'console.log("to-out"); console.error("to-err")'],
    env: {},
    cwd: '/',
    mounts: nodeMounts(),
    logFile,
  });
  assert.equal(r.exitCode, 0);
  assert.deepEqual(readFileSync(logFile, 'utf8').split('\n'), ['earlier', 'to-out', 'to-err', '']);
});

test('a command missing inside the sandbox fails with the reason in the log', async () => {
  const logFile = join(work, 'missing.txt');
  const r = await runner.run({ argv: ['/nonexistent/cc'], env: {}, cwd: '/', mounts: [], logFile });
  assert.notEqual(r.exitCode, 0);
  assert.match(readText(logFile), /nonexistent\/cc/);
});

test('usable() reports why when bwrap is missing or cannot start a sandbox', async () => {
  assert.match(String(await new BubblewrapRunner({ bwrap: '/nonexistent/bwrap' }).usable()), /install bubblewrap/);
  // Nothing bound: the probe's /usr/bin/true cannot run, so usable() must really run bwrap.
  // (Another path to the same bwrap, since the probe is cached per binary.)
  const alias = join(tempDir(), 'bwrap');
  symlinkSync(runner.bwrap as string, alias);
  const broken = await new BubblewrapRunner({ bwrap: alias, toolchain: { roBinds: [] } }).usable();
  assert.match(String(broken), /bubblewrap cannot create a sandbox here \(.*(true|setpriv).*\)/);
  const cached = await new BubblewrapRunner({ bwrap: alias }).usable();
  assert.equal(cached, broken, 'probed once per bwrap binary and mode');
});
