/**
 * Hostile npm tarballs, generated in code (never stored as files, so no checkout or tool ever
 * unpacks them by accident). Their packuments carry the correct integrity: the download verifies,
 * and it is extraction that must refuse them (or, for fx-evil-setuid, normalise the mode).
 */
import { NPM_PACK_MTIME, tarGz, type Manifest, type TarEntry, type TarHeader } from './npm-fixtures.js';

export interface HostileFixture {
  manifest: Manifest;
  tarball: Buffer;
  /** Names of the entries that make it hostile, as written in the tarball. */
  hostile: string[];
}

interface Spec {
  name: string;
  scenario: string;
  entries: TarEntry[];
}

function header(name: string, extra: Partial<TarHeader> = {}): TarHeader {
  return { name, mode: 0o644, mtime: NPM_PACK_MTIME, uid: 0, gid: 0, uname: '', gname: '', type: 'file', ...extra };
}

function file(name: string, text: string, mode = 0o644): TarEntry {
  const body = Buffer.from(text);
  return { header: header(name, { size: body.length, mode }), body };
}

/** Every hostile fixture: its name, what it tries, and the entries after package.json and index.js. */
const SPECS: Spec[] = [
  {
    name: 'fx-evil-dotdot',
    scenario: 'an entry package/../../evil.txt climbs out of the extraction directory',
    entries: [file('package/../../evil.txt', 'escaped via ..\n')],
  },
  {
    name: 'fx-evil-abs',
    scenario: 'an entry with an absolute path, /tmp/bale-evil-abs.txt',
    entries: [file('/tmp/bale-evil-abs.txt', 'escaped via an absolute path\n')],
  },
  {
    name: 'fx-evil-symlink',
    scenario: 'a symlink package/escape -> ../../../../../etc/passwd, then a file written through it (package/escape/x)',
    entries: [
      { header: header('package/escape', { type: 'symlink', linkname: '../../../../../etc/passwd', mode: 0o777 }) },
      file('package/escape/x', 'written through a symlink\n'),
    ],
  },
  {
    name: 'fx-evil-symlink-dir',
    scenario: 'a symlink package/escape -> a directory far above (/tmp), then package/escape/bale-evil-symlink.txt written through it',
    entries: [
      { header: header('package/escape', { type: 'symlink', linkname: '../../../../../../../../../../../../tmp', mode: 0o777 }) },
      file('package/escape/bale-evil-symlink.txt', 'written through a directory symlink\n'),
    ],
  },
  {
    name: 'fx-evil-hardlink',
    scenario: 'a hardlink entry package/passwd pointing to /etc/passwd',
    entries: [{ header: header('package/passwd', { type: 'link', linkname: '/etc/passwd' }) }],
  },
  {
    name: 'fx-evil-device',
    scenario: 'a character device entry package/null (1, 3)',
    entries: [{ header: header('package/null', { type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 }) }],
  },
  {
    name: 'fx-evil-fifo',
    scenario: 'a fifo entry package/pipe',
    entries: [{ header: header('package/pipe', { type: 'fifo' }) }],
  },
  {
    name: 'fx-evil-setuid',
    scenario: 'a setuid, world-writable file (mode 4777) package/suid.js: the mode must be normalised to 0755, never kept',
    entries: [file('package/suid.js', "'use strict';\nmodule.exports = 'suid';\n", 0o4777)],
  },
];

/** The names of the hostile packages, all at version 1.0.0. */
export const HOSTILE_NAMES: readonly string[] = SPECS.map((s) => s.name);

async function build(spec: Spec): Promise<HostileFixture> {
  const manifest: Manifest = {
    name: spec.name,
    version: '1.0.0',
    description: `bale fixture (hostile): ${spec.scenario}`,
    main: 'index.js',
    license: 'MIT',
  };
  const tarball = await tarGz([
    file('package/package.json', `${JSON.stringify(manifest, null, 2)}\n`),
    file('package/index.js', "'use strict';\nmodule.exports = 'hostile';\n"),
    ...spec.entries,
  ]);
  return { manifest, tarball, hostile: spec.entries.map((e) => e.header.name) };
}

export async function hostileFixtures(): Promise<HostileFixture[]> {
  return Promise.all(SPECS.map(build));
}
