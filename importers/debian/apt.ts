/**
 * apt on the host is the index: whatever its sources point to (`apt-get update` must have run).
 * Resolution is apt's own: `apt-get install --simulate` against an empty dpkg status, so the
 * answer is the whole closure apt would install on an empty system (alternatives and virtual
 * packages chosen as apt chooses, pinning honoured), independent of what this host has installed.
 */
import { execa } from 'execa';
import { TransientError, UserError } from '../../src/errors/index.js';
import { formatDuration } from '../../src/limits/index.js';
import { parseStanzas, type PackageStanza } from './control.js';
import { checkSourceUrl } from '../identity.js';

/** apt only reads its local lists here (no downloads), so minutes mean a held lock or a hung apt. */
const APT_TIMEOUT_MS = 300_000;

/** What apt is asked, always in the C locale so its messages parse. */
async function apt(cmd: 'apt-get' | 'apt-cache', args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const r = await execa(cmd, args, {
    reject: false,
    env: { LC_ALL: 'C', PATH: process.env.PATH ?? '/usr/bin:/bin' },
    extendEnv: false,
    stdin: 'ignore',
    maxBuffer: 256 * 1024 * 1024,
    timeout: APT_TIMEOUT_MS,
  });
  if (r.timedOut) {
    throw new TransientError(
      'EAPT',
      `${cmd} ${args
        .filter((a) => !a.startsWith('-') && !a.includes('::'))
        .slice(0, 3)
        .join(' ')} did not finish within ${formatDuration(APT_TIMEOUT_MS)}: is another apt holding its lock? try again later`,
    );
  }
  if ((r as { code?: string }).code === 'ENOENT') {
    throw new UserError('ETOOL', `${cmd} is not installed: bale imports Debian packages with the host's apt (run on Debian or Ubuntu)`);
  }
  return { ok: r.exitCode === 0, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** apt's own error lines (`E: ...`), joined: they name the package and the reason. */
function aptErrors(stderr: string): string {
  const lines = stderr
    .split('\n')
    .filter((l) => l.startsWith('E: '))
    .map((l) => l.slice(3).trim());
  return lines.length > 0 ? lines.join('; ') : (stderr.trim().split('\n')[0] ?? 'apt failed');
}

/** What to do next: pick a provider of a virtual package (apt lists them on stdout), or check the name. */
function hintFor(why: string, stdout: string): string {
  const virtual = /^Package (\S+) is a virtual package provided by:\n((?: {2}\S+ \S+\n?)+)/m.exec(stdout);
  if (virtual !== null) {
    const providers = virtual[2]!
      .trim()
      .split('\n')
      .map((l) => `deb:${l.trim().split(' ')[0]}`);
    return `: ${virtual[1]} is a virtual package, request one of its providers: ${providers.join(', ')}`;
  }
  return /Unable to locate package|has no installation candidate|not found/.test(why)
    ? ': check the name and version with `apt-cache policy <name>`, or run `apt-get update`'
    : '';
}

export interface Chosen {
  name: string;
  version: string;
}

/** `name` or `name=version`, as apt takes them. */
export const aptArg = (p: { name: string; version?: string | undefined }): string =>
  p.version === undefined ? p.name : `${p.name}=${p.version}`;

const SIMULATE = [
  '-s',
  '-o',
  'Dir::State::status=/dev/null',
  '-o',
  'APT::Install-Recommends=false',
  '-o',
  'APT::Install-Suggests=false',
  '-o',
  'Debug::NoLocking=true',
];

/** The closure apt would install for these requests on an empty system. */
export async function simulateInstall(requests: { name: string; version?: string | undefined }[], label: string): Promise<Chosen[]> {
  const r = await apt('apt-get', [...SIMULATE, 'install', ...requests.map(aptArg)]);
  if (!r.ok) {
    const why = aptErrors(r.stderr);
    throw new UserError('EAPT', `cannot resolve ${label} with apt: ${why}${hintFor(why, r.stdout)}`);
  }
  const chosen: Chosen[] = [];
  for (const line of r.stdout.split('\n')) {
    // `Inst libgcc-s1 (12.2.0-14+deb12u1 Debian:12.15/oldstable [amd64]) []`
    const inst = /^Inst (\S+) (?:\[\S+\] )?\((\S+) /.exec(line);
    if (inst !== null) chosen.push({ name: inst[1]!.replace(/:(amd64|all)$/, ''), version: inst[2]! });
  }
  const foreign = chosen.find((c) => c.name.includes(':'));
  if (foreign !== undefined)
    throw new UserError(
      'EAPT',
      `cannot import ${label}: apt chose ${foreign.name}, another architecture; bale imports amd64 (and all) packages only`,
    );
  return chosen;
}

/** The metadata of exact versions (Depends, Provides...), one stanza each. */
export async function showPackages(pins: Chosen[]): Promise<Map<string, PackageStanza>> {
  const r = await apt('apt-cache', ['show', '--no-all-versions', ...pins.map((p) => aptArg(p))]);
  if (!r.ok) throw new UserError('EAPT', `apt-cache show failed: ${aptErrors(r.stderr)}: run \`apt-get update\` and try again`);
  const versionOf = new Map(pins.map((p) => [p.name, p.version]));
  const out = new Map<string, PackageStanza>();
  for (const s of parseStanzas(r.stdout)) {
    // The same version listed by two suites prints twice; the first is the one apt uses.
    if (!out.has(s.name) && versionOf.get(s.name) === s.version) out.set(s.name, s);
  }
  const missing = pins.filter((p) => !out.has(p.name));
  if (missing.length > 0)
    throw new UserError('EAPT', `apt-cache show has no record for ${missing.map(aptArg).join(', ')}: run \`apt-get update\` and try again`);
  return out;
}

/**
 * The stanzas apt lists for these packages, at these versions where it has them and at every version
 * it has of the name otherwise (advisory names: an image's older version may be superseded).
 */
export async function showPackageStanzas(pins: readonly { name: string; version: string }[]): Promise<PackageStanza[]> {
  const names = [...new Set(pins.map((p) => p.name))];
  // apt-cache passes over names and versions it does not know: what it printed is what it knows.
  const r = await apt('apt-cache', ['show', ...pins.map((p) => aptArg(p)), ...names]);
  return parseStanzas(r.stdout);
}

export interface DebLocation {
  /** The version apt chose, which the .deb's control must name. */
  version: string;
  url: string;
  filename: string;
  size: number;
  sha256: string;
}

/** Where each .deb is, with its sha256 from the (signed) Packages index: `apt-get download --print-uris`. */
export async function debLocations(pins: Chosen[]): Promise<Map<string, DebLocation>> {
  const r = await apt('apt-get', ['download', '--print-uris', ...pins.map(aptArg)]);
  // Only prints what apt would fetch: no network here, so no transient failure either.
  if (!r.ok)
    throw new UserError('EAPT', `apt-get download --print-uris failed: ${aptErrors(r.stderr)}: run \`apt-get update\` and try again`);
  const versionOf = new Map(pins.map((p) => [p.name, p.version]));
  const out = new Map<string, DebLocation>();
  for (const line of r.stdout.split('\n')) {
    // `'http://deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb' hello_2.10-3_amd64.deb 53080 SHA256:2e6e...`
    const m = /^'([^']+)' (\S+) (\d+) SHA256:([0-9a-f]{64})$/.exec(line.trim());
    if (m === null) continue;
    const name = m[2]!.slice(0, m[2]!.indexOf('_'));
    const version = versionOf.get(name);
    if (version === undefined) continue;
    // A local repository (file:, copy:) cannot be a recipe's source: said here, naming the package.
    checkSourceUrl(`deb:${name}@${version}`, m[1]!, 'apt', "use an http(s) mirror in the host's apt sources");
    out.set(name, { version, url: m[1]!, filename: m[2]!, size: Number(m[3]), sha256: m[4]! });
  }
  const missing = pins.filter((p) => !out.has(p.name));
  if (missing.length > 0)
    throw new UserError('EAPT', `apt gives no download with a SHA256 for ${missing.map(aptArg).join(', ')}: check the host's apt sources`);
  return out;
}

/**
 * Every version apt's sources list for a package (`apt-cache madison`: the sources only, not this
 * host's dpkg status), and apt's candidate (`apt-cache policy`). Unknown package: UserError ENOTFOUND.
 */
export async function aptVersions(name: string): Promise<{ versions: string[]; candidate: string | undefined }> {
  const [madison, policy] = await Promise.all([apt('apt-cache', ['madison', name]), apt('apt-cache', ['policy', name])]);
  if (!madison.ok)
    throw new UserError('EAPT', `apt-cache madison ${name} failed: ${aptErrors(madison.stderr)}: run \`apt-get update\` and try again`);
  const versions = new Set<string>();
  for (const line of madison.stdout.split('\n')) {
    // `    zlib1g | 1:1.2.13.dfsg-1 | http://deb.debian.org/debian bookworm/main amd64 Packages`
    const m = /^\s*(\S+) \| (\S+) \| .* (amd64|all) Packages$/.exec(line);
    if (m !== null && m[1] === name) versions.add(m[2]!);
  }
  if (versions.size === 0) {
    throw new UserError(
      'ENOTFOUND',
      `deb:${name}: apt's sources list no version of it: check the name with \`apt-cache policy ${name}\`, or run \`apt-get update\``,
    );
  }
  const candidate = /^\s+Candidate: (\S+)$/m.exec(policy.stdout)?.[1];
  return { versions: [...versions], candidate: candidate === '(none)' ? undefined : candidate };
}
