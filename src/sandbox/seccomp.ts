/**
 * The seccomp filter every sandboxed build runs under, as the classic BPF program bwrap's
 * `--seccomp FD` loads (an array of struct sock_filter, read until EOF). Written here because the
 * filter is small and fixed, and the alternatives (libseccomp bindings) are native addons.
 *
 * Builds never need to mount, make devices, trace, change namespaces or talk to the kernel's
 * keyrings, module loader, BPF or perf: those calls fail with EPERM. clone3 and io_uring answer
 * ENOSYS, so glibc and libuv fall back to clone and plain syscalls (clone's flags can be checked
 * here, clone3's live in memory a filter cannot read). Pure: tested without bwrap, then for real.
 */

/** AUDIT_ARCH_X86_64: EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
const AUDIT_ARCH_X86_64 = 0xc000003e;
/** x32 syscalls are x86_64 numbers with this bit set: refused wholesale. */
const X32_SYSCALL_BIT = 0x40000000;

/** Syscalls refused with EPERM (x86_64 numbers, checked against <asm/unistd_64.h> by the tests). */
export const DENIED_X86_64: Readonly<Record<string, number>> = {
  ptrace: 101,
  syslog: 103,
  uselib: 134,
  vhangup: 153,
  pivot_root: 155,
  _sysctl: 156,
  adjtimex: 159,
  chroot: 161,
  acct: 163,
  settimeofday: 164,
  mount: 165,
  umount2: 166,
  swapon: 167,
  swapoff: 168,
  reboot: 169,
  sethostname: 170,
  setdomainname: 171,
  iopl: 172,
  ioperm: 173,
  create_module: 174,
  init_module: 175,
  delete_module: 176,
  get_kernel_syms: 177,
  query_module: 178,
  quotactl: 179,
  nfsservctl: 180,
  lookup_dcookie: 212,
  clock_settime: 227,
  kexec_load: 246,
  add_key: 248,
  request_key: 249,
  keyctl: 250,
  unshare: 272,
  perf_event_open: 298,
  name_to_handle_at: 303,
  open_by_handle_at: 304,
  clock_adjtime: 305,
  setns: 308,
  process_vm_readv: 310,
  process_vm_writev: 311,
  kcmp: 312,
  finit_module: 313,
  kexec_file_load: 320,
  bpf: 321,
  userfaultfd: 323,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  pidfd_getfd: 438,
  mount_setattr: 442,
  quotactl_fd: 443,
};

/** Refused with ENOSYS, so callers take their older path. */
export const UNAVAILABLE_X86_64: Readonly<Record<string, number>> = {
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  clone3: 435,
};

/** Allowed, with one argument checked. */
export const CHECKED_X86_64 = { ioctl: 16, clone: 56, mknod: 133, mknodat: 259 } as const;

/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET: clone may not make namespaces. */
const CLONE_NAMESPACES = 0x7e020000;
const S_IFMT = 0o170000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
/** Pushing characters into a terminal's input, and the console's TIOCLINUX selection tricks. */
const TIOCSTI = 0x5412;
const TIOCLINUX = 0x541c;

const EPERM = 1;
const ENOSYS = 38;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;

// Classic BPF opcodes.
const LD_W_ABS = 0x20;
const JA = 0x05;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const AND_K = 0x54;
const RET_K = 0x06;

/** struct seccomp_data: nr at 0, arch at 4, args[i] at 16 + 8i (the low half first: little-endian). */
const OFF_NR = 0;
const OFF_ARCH = 4;
const argLow = (i: number): number => 16 + 8 * i;

type Label = string;
type Insn =
  | { op: 'ld'; off: number }
  | { op: 'and'; k: number }
  | { op: 'jeq' | 'jge' | 'jset'; k: number; yes: Label | null; no: Label | null }
  | { op: 'ja'; to: Label }
  | { op: 'ret'; k: number }
  | { op: 'label'; name: Label };

/** Jumps to `null` fall through to the next instruction. */
function assemble(program: Insn[]): Buffer {
  const at = new Map<Label, number>();
  const code = program.filter((i) => {
    if (i.op !== 'label') return true;
    at.set(i.name, [...program.slice(0, program.indexOf(i))].filter((x) => x.op !== 'label').length);
    return false;
  });
  const out = Buffer.alloc(code.length * 8);
  code.forEach((insn, pc) => {
    const offset = (label: Label | null): number => {
      if (label === null) return 0;
      const target = at.get(label);
      if (target === undefined) throw new Error(`seccomp: no label ${label}`);
      const d = target - pc - 1;
      if (d < 0 || d > 255) throw new Error(`seccomp: jump to ${label} out of range (${d})`);
      return d;
    };
    let opcode: number;
    let jt = 0;
    let jf = 0;
    let k: number;
    switch (insn.op) {
      case 'ld':
        [opcode, k] = [LD_W_ABS, insn.off];
        break;
      case 'and':
        [opcode, k] = [AND_K, insn.k];
        break;
      case 'ret':
        [opcode, k] = [RET_K, insn.k];
        break;
      case 'ja':
        [opcode, k] = [JA, offset(insn.to)];
        break;
      case 'label':
        throw new Error('unreachable');
      default:
        opcode = { jeq: JEQ_K, jge: JGE_K, jset: JSET_K }[insn.op];
        [jt, jf, k] = [offset(insn.yes), offset(insn.no), insn.k];
    }
    out.writeUInt16LE(opcode, pc * 8);
    out.writeUInt8(jt, pc * 8 + 2);
    out.writeUInt8(jf, pc * 8 + 3);
    out.writeUInt32LE(k >>> 0, pc * 8 + 4);
  });
  return out;
}

/** The filter for this machine's architecture, or undefined where bale has no syscall table (only x86_64 so far). */
export function seccompProgram(arch: string = process.arch): Buffer | undefined {
  if (arch !== 'x64') return undefined;
  const deny = (nr: number): Insn => ({ op: 'jeq', k: nr, yes: 'eperm', no: null });
  const program: Insn[] = [
    { op: 'ld', off: OFF_ARCH },
    { op: 'jeq', k: AUDIT_ARCH_X86_64, yes: null, no: 'eperm' },
    { op: 'ld', off: OFF_NR },
    { op: 'jge', k: X32_SYSCALL_BIT, yes: 'eperm', no: null },
    ...Object.values(DENIED_X86_64).map(deny),
    ...Object.values(UNAVAILABLE_X86_64).map((nr): Insn => ({ op: 'jeq', k: nr, yes: 'enosys', no: null })),
    { op: 'jeq', k: CHECKED_X86_64.clone, yes: 'clone', no: null },
    { op: 'jeq', k: CHECKED_X86_64.mknod, yes: 'mknod', no: null },
    { op: 'jeq', k: CHECKED_X86_64.mknodat, yes: 'mknodat', no: null },
    { op: 'jeq', k: CHECKED_X86_64.ioctl, yes: 'ioctl', no: 'allow' },
    { op: 'label', name: 'clone' },
    { op: 'ld', off: argLow(0) },
    { op: 'jset', k: CLONE_NAMESPACES, yes: 'eperm', no: 'allow' },
    // A device node, whatever the caller's privileges; fifos and plain files stay allowed.
    { op: 'label', name: 'mknod' },
    { op: 'ld', off: argLow(1) },
    { op: 'ja', to: 'mode' },
    { op: 'label', name: 'mknodat' },
    { op: 'ld', off: argLow(2) },
    { op: 'label', name: 'mode' },
    { op: 'and', k: S_IFMT },
    { op: 'jeq', k: S_IFCHR, yes: 'eperm', no: null },
    { op: 'jeq', k: S_IFBLK, yes: 'eperm', no: 'allow' },
    { op: 'label', name: 'ioctl' },
    { op: 'ld', off: argLow(1) },
    { op: 'jeq', k: TIOCSTI, yes: 'eperm', no: null },
    { op: 'jeq', k: TIOCLINUX, yes: 'eperm', no: 'allow' },
    { op: 'label', name: 'allow' },
    { op: 'ret', k: RET_ALLOW },
    { op: 'label', name: 'eperm' },
    { op: 'ret', k: RET_ERRNO | EPERM },
    { op: 'label', name: 'enosys' },
    { op: 'ret', k: RET_ERRNO | ENOSYS },
  ];
  return assemble(program);
}
