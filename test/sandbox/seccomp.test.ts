import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BubblewrapRunner } from '../../src/sandbox/bubblewrap.js';
import { CHECKED_X86_64, DENIED_X86_64, seccompProgram, UNAVAILABLE_X86_64 } from '../../src/sandbox/seccomp.js';
import { readText, tempDir } from './helpers.js';

const UNISTD = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';

test("every syscall number is the kernel's (x86_64 <asm/unistd_64.h>, from linux-libc-dev)", () => {
  assert.ok(existsSync(UNISTD), `${UNISTD} missing: install linux-libc-dev (gcc's libc6-dev brings it)`);
  const header = readFileSync(UNISTD, 'utf8');
  const table = new Map([...header.matchAll(/^#define __NR_(\w+) (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  for (const [name, nr] of Object.entries({ ...DENIED_X86_64, ...UNAVAILABLE_X86_64, ...CHECKED_X86_64 })) {
    // Syscalls removed from the kernel headers long ago keep their numbers (reserved, never reused).
    if (['create_module', 'get_kernel_syms', 'query_module', 'nfsservctl'].includes(name) && !table.has(name)) continue;
    assert.equal(table.get(name), nr, name);
  }
});

test('the program is whole instructions, checks the architecture first and ends in returns', () => {
  const p = seccompProgram('x64')!;
  assert.equal(p.length % 8, 0);
  assert.ok(p.length / 8 < 256, 'short enough for 8-bit jumps');
  assert.deepEqual([p.readUInt16LE(0), p.readUInt32LE(4)], [0x20, 4], 'ld [arch]');
  assert.deepEqual([p.readUInt16LE(8), p.readUInt32LE(12)], [0x15, 0xc000003e], 'jeq AUDIT_ARCH_X86_64');
  assert.equal(p.readUInt16LE(p.length - 8), 0x06, 'ret');
  assert.equal(seccompProgram('arm64'), undefined, 'no table, no filter (said in the README)');
  assert.deepEqual(seccompProgram('x64'), p, 'the same bytes every time');
});

// Each line: name, syscall number, args; python prints "name errno" (0 when it worked).
const PROBE = String.raw`
import ctypes, os, sys, threading, subprocess
libc = ctypes.CDLL(None, use_errno=True)
def sc(name, nr, *a):
    r = libc.syscall(nr, *[ctypes.c_long(x) if isinstance(x, int) else x for x in a])
    print(name, 0 if r >= 0 else ctypes.get_errno())
sc("unshare_user", 272, 0x10000000)
sc("clone_newns", 56, 0x00020000 | 17, 0, 0, 0, 0)
sc("clone3", 435, 0, 0)
sc("setns", 308, 0, 0)
sc("mount", 165, b"none", b"/tmp", b"tmpfs", 0, 0)
sc("umount2", 166, b"/proc", 0)
sc("pivot_root", 155, b"/tmp", b"/tmp")
sc("mknodat_chr", 259, -100, b"/tmp/c", 0o020644, 0x103)
sc("mknod_blk", 133, b"/tmp/b", 0o060644, 0x801)
sc("ptrace_attach", 101, 16, 1, 0, 0)
sc("process_vm_readv", 310, 1, 0, 0, 0, 0, 0)
sc("keyctl", 250, 0, 0, 0, 0, 0)
sc("add_key", 248, b"user", b"x", b"y", 1, -2)
sc("bpf", 321, 0, 0, 0)
sc("perf_event_open", 298, 0, 0, -1, -1, 0)
sc("userfaultfd", 323, 0)
sc("io_uring_setup", 425, 1, 0)
sc("init_module", 175, 0, 0, 0)
sc("kexec_load", 246, 0, 0, 0, 0)
sc("open_tree", 428, -100, b"/", 0)
sc("fsopen", 430, b"tmpfs", 0)
sc("ioctl_tiocsti", 16, 0, 0x5412, 0)
sc("sethostname", 170, b"x", 1)
sc("mknodat_fifo", 259, -100, b"/tmp/f", 0o010644, 0)
sc("mknod_file", 133, b"/tmp/r", 0o100644, 0)
t = threading.Thread(target=lambda: None); t.start(); t.join(); print("thread 0")
print("subprocess", subprocess.run(["/usr/bin/true"]).returncode)
print("uid", os.getuid())
print("capeff", [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff")][0])
`;

test('in the sandbox: what the filter refuses fails with EPERM (ENOSYS for clone3, io_uring); threads and processes (clone3 falls back to clone), fifos and files work', async () => {
  const runner = new BubblewrapRunner();
  const dir = tempDir();
  const logFile = join(dir, 'log');
  const r = await runner.run({ argv: ['/usr/bin/python3', '-c', PROBE], env: { PATH: '/usr/bin' }, cwd: '/', mounts: [], logFile });
  const log = readText(logFile);
  assert.equal(r.exitCode, 0, log);
  const got = new Map(
    log
      .trim()
      .split('\n')
      .map((l) => l.split(' ') as [string, string]),
  );
  const EPERM = '1';
  const ENOSYS = '38';
  for (const name of [
    'unshare_user',
    'clone_newns',
    'setns',
    'mount',
    'umount2',
    'pivot_root',
    'mknodat_chr',
    'mknod_blk',
    'ptrace_attach',
    'process_vm_readv',
    'keyctl',
    'add_key',
    'bpf',
    'perf_event_open',
    'userfaultfd',
    'init_module',
    'kexec_load',
    'open_tree',
    'fsopen',
    'ioctl_tiocsti',
    'sethostname',
  ]) {
    assert.equal(got.get(name), EPERM, `${name}: ${log}`);
  }
  assert.equal(got.get('clone3'), ENOSYS);
  assert.equal(got.get('io_uring_setup'), ENOSYS);
  for (const name of ['mknodat_fifo', 'mknod_file', 'thread', 'subprocess'])
    assert.equal(got.get(name), '0', `${name} should work: ${log}`);
  assert.equal(got.get('uid'), '65534');
  assert.equal(got.get('capeff'), '0000000000000000');
});
