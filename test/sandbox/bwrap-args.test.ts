import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILD_UID, bwrapArgs, confinedArgv, orderMounts, PRLIMIT, SETPRIV, type Confinement } from '../../src/sandbox/bwrap-args.js';
import { DEFAULT_LIMITS } from '../../src/limits/index.js';
import type { HostToolchain, SandboxCommand } from '../../src/sandbox/types.js';

const host: HostToolchain = { roBinds: ['/usr', '/etc/alternatives'], symlinks: [{ path: '/bin', target: 'usr/bin' }] };
const base: SandboxCommand = { argv: ['/usr/bin/make', '-j1'], env: {}, cwd: '/build', mounts: [] };
const USER: Confinement = { asRoot: false, tmpBytes: 1 << 30 };
const ROOT: Confinement = { asRoot: true, seccompFd: 3, tmpBytes: 1 << 20 };

/** The value following each occurrence of `flag` (for flags that take one argument). */
function after(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] as string] : []));
}
/** [src, dest] of each bind-type flag, in order. */
function binds(args: string[]): string[][] {
  return args.flatMap((a, i) => (a === '--bind' || a === '--ro-bind' ? [[a, args[i + 1] as string, args[i + 2] as string]] : []));
}

test('isolation flags come first and argv last after --', () => {
  const args = bwrapArgs(base, host, USER);
  for (const f of [
    '--unshare-net',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--die-with-parent',
    '--new-session',
    '--clearenv',
  ]) {
    assert.ok(args.includes(f), f);
  }
  assert.deepEqual(after(args, '--hostname'), ['bale']);
  assert.deepEqual(args.slice(-3), ['--', '/usr/bin/make', '-j1']);
  assert.deepEqual(after(args, '--chdir'), ['/build']);
  assert.deepEqual(args.slice(args.indexOf('--proc'), args.indexOf('--proc') + 10), [
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--perms',
    '1777',
    '--size',
    String(1 << 30),
    '--tmpfs',
    '/tmp',
  ]);
});

test('env: cleared first, then every variable set, sorted by name', () => {
  const args = bwrapArgs({ ...base, env: { TZ: 'UTC', A: 'x=y z', LC_ALL: 'C.UTF-8' } }, host, USER);
  const clear = args.indexOf('--clearenv');
  const sets = args.flatMap((a, i) => (a === '--setenv' ? [[i, args[i + 1], args[i + 2]]] : []));
  assert.deepEqual(
    sets.map((s) => s.slice(1)),
    [
      ['A', 'x=y z'],
      ['LC_ALL', 'C.UTF-8'],
      ['TZ', 'UTC'],
    ],
  );
  assert.ok(
    sets.every((s) => (s[0] as number) > clear),
    '--setenv after --clearenv',
  );
});

test('host toolchain: read-only at the same path, symlinks recreated, before /tmp and mounts', () => {
  const args = bwrapArgs({ ...base, mounts: [{ host: '/h/b', sandbox: '/build', writable: true }] }, host, USER);
  assert.deepEqual(binds(args), [
    ['--ro-bind', '/usr', '/usr'],
    ['--ro-bind', '/etc/alternatives', '/etc/alternatives'],
    ['--bind', '/h/b', '/build'],
  ]);
  const i = args.indexOf('--symlink');
  assert.deepEqual(args.slice(i, i + 3), ['--symlink', 'usr/bin', '/bin']);
  assert.ok(args.indexOf('--tmpfs') < args.indexOf('--bind'));
});

const mountCases: Array<{ name: string; mounts: SandboxCommand['mounts']; want: string[][] }> = [
  {
    name: 'writable vs read-only',
    mounts: [
      { host: '/a', sandbox: '/src' },
      { host: '/b', sandbox: '/out', writable: true },
      { host: '/c', sandbox: '/ro', writable: false },
    ],
    want: [
      ['--ro-bind', '/a', '/src'],
      ['--bind', '/b', '/out'],
      ['--ro-bind', '/c', '/ro'],
    ],
  },
  {
    name: 'child given before parent is bound after it',
    mounts: [
      { host: '/h/src', sandbox: '/build/src' },
      { host: '/h/build', sandbox: '/build', writable: true },
      { host: '/h/deep', sandbox: '/build/src/x/y' },
    ],
    want: [
      ['--bind', '/h/build', '/build'],
      ['--ro-bind', '/h/src', '/build/src'],
      ['--ro-bind', '/h/deep', '/build/src/x/y'],
    ],
  },
  {
    name: 'same depth keeps the given order',
    mounts: [
      { host: '/z', sandbox: '/z' },
      { host: '/a', sandbox: '/a' },
    ],
    want: [
      ['--ro-bind', '/z', '/z'],
      ['--ro-bind', '/a', '/a'],
    ],
  },
  {
    name: 'mount under /tmp',
    mounts: [{ host: '/h/t', sandbox: '/tmp/work', writable: true }],
    want: [['--bind', '/h/t', '/tmp/work']],
  },
];
for (const c of mountCases) {
  test(`mounts: ${c.name}`, () => {
    const got = binds(bwrapArgs({ ...base, mounts: c.mounts }, { roBinds: [] }, USER));
    assert.deepEqual(got, c.want);
  });
}

test('orderMounts does not modify its input', () => {
  const mounts = [
    { host: '/b', sandbox: '/a/b' },
    { host: '/a', sandbox: '/a' },
  ];
  const copy = structuredClone(mounts);
  assert.deepEqual(
    orderMounts(mounts).map((m) => m.sandbox),
    ['/a', '/a/b'],
  );
  assert.deepEqual(mounts, copy);
});

const invalid: Array<[string, Partial<SandboxCommand>, RegExp]> = [
  ['empty argv', { argv: [] }, /argv\[0\]/],
  ['relative argv[0]', { argv: ['make'] }, /argv\[0\]/],
  ['relative cwd', { cwd: 'build' }, /cwd/],
  ['unnormalised cwd', { cwd: '/build/../etc' }, /cwd/],
  ['env key with =', { env: { 'A=B': '1' } }, /environment/],
  ['env value with NUL', { env: { A: 'x\0y' } }, /environment/],
  ['relative mount', { mounts: [{ host: 'rel', sandbox: '/x' }] }, /host path/],
  ['mount over /', { mounts: [{ host: '/h', sandbox: '/' }] }, /sandbox path/],
  [
    'two mounts at one path',
    {
      mounts: [
        { host: '/a', sandbox: '/x' },
        { host: '/b', sandbox: '/x' },
      ],
    },
    /two mounts/,
  ],
  ['zero timeout', { timeoutMs: 0 }, /timeoutMs/],
];
for (const [name, patch, re] of invalid) {
  test(`rejects ${name}`, () => {
    assert.throws(
      () => bwrapArgs({ ...base, ...patch }, host, USER),
      (err: Error & { code?: string }) => err.code === 'ESANDBOX' && re.test(err.message),
    );
  });
}

test('same command, same argument list', () => {
  const cmd: SandboxCommand = {
    ...base,
    env: { B: '2', A: '1' },
    mounts: [
      { host: '/x', sandbox: '/x/y' },
      { host: '/w', sandbox: '/x' },
    ],
  };
  const reordered: SandboxCommand = { ...cmd, env: { A: '1', B: '2' } };
  assert.deepEqual(bwrapArgs(cmd, host, USER), bwrapArgs(reordered, host, USER));
});

test('unprivileged: a user namespace mapping us to BUILD_UID, no capabilities, no nested namespaces, no setpriv', () => {
  const args = bwrapArgs(base, host, USER);
  assert.ok(args.includes('--unshare-user') && args.includes('--disable-userns'));
  assert.deepEqual(after(args, '--uid'), [String(BUILD_UID)]);
  assert.deepEqual(after(args, '--cap-drop'), ['ALL']);
  assert.deepEqual(after(args, '--cap-add'), []);
  assert.ok(!args.includes(SETPRIV));
  assert.deepEqual(after(args, '--seccomp'), []);
});

test("as root: capabilities dropped but for setpriv's, which becomes BUILD_UID and drops them, then the command", () => {
  const args = bwrapArgs(base, host, ROOT);
  assert.ok(!args.includes('--unshare-user'), 'no user namespace: it would map the build to root outside');
  assert.deepEqual(after(args, '--cap-drop'), ['ALL']);
  assert.deepEqual(after(args, '--cap-add'), ['CAP_SETUID', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_DAC_READ_SEARCH']);
  assert.deepEqual(after(args, '--seccomp'), ['3']);
  const tail = args.slice(args.indexOf('--') + 1);
  assert.deepEqual(tail, [
    SETPRIV,
    `--reuid=${BUILD_UID}`,
    `--regid=${BUILD_UID}`,
    '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--no-new-privs',
    '--',
    '/usr/bin/make',
    '-j1',
  ]);
  assert.deepEqual(after(args, '--size'), [String(1 << 20), String(1 << 20)], '/tmp and /dev/shm, bounded');
});

test('limits become prlimit flags between the privilege drop and the command', () => {
  const limits = { ...DEFAULT_LIMITS, timeoutMs: 90_500, processes: 50 };
  const argv = confinedArgv({ ...base, limits }, { asRoot: true });
  const at = argv.indexOf(PRLIMIT);
  assert.ok(at > argv.indexOf(SETPRIV), 'limits are set by the unprivileged process');
  assert.deepEqual(argv.slice(at), [
    PRLIMIT,
    `--as=${limits.memory}`,
    '--nproc=50',
    `--fsize=${limits.disk}`,
    '--cpu=91',
    '--core=0',
    '--',
    '/usr/bin/make',
    '-j1',
  ]);
  assert.deepEqual(confinedArgv(base, { asRoot: false }), ['/usr/bin/make', '-j1']);
  assert.throws(() => bwrapArgs({ ...base, limits: { ...limits, disk: 0 } }, host, USER), /limit disk must be a positive integer/);
});

test('directories leading to a mount outside the toolchain are made 0755, parents first, once', () => {
  const mounts = [
    { host: '/h/py', sandbox: '/root/.pyenv/versions/3.11.7' },
    { host: '/h/b', sandbox: '/build', writable: true },
    { host: '/h/s', sandbox: '/build/src/x' },
    { host: '/h/n', sandbox: '/usr/lib/bale/x' },
    { host: '/h/t', sandbox: '/tmp/a/b' },
  ];
  const args = bwrapArgs({ ...base, mounts }, host, USER);
  assert.deepEqual(after(args, '--dir'), ['/etc', '/root', '/root/.pyenv', '/root/.pyenv/versions']);
  for (const i of args.flatMap((a, j) => (a === '--dir' ? [j] : []))) assert.deepEqual(args.slice(i - 2, i), ['--perms', '0755']);
  assert.ok(args.lastIndexOf('--dir') < args.indexOf('--ro-bind'), 'made before any bind');
});
