/**
 * The native corpus: real packages that compile against Node, Ruby or CPython and often against
 * system libraries, each with the apt packages its build needs on the host (what the override
 * tables name) and a check that exercises the built code, not only loads it. `M` in a check is the
 * module's path (npm) or name (gems, Python) as the interpreter must find it in the unpacked root.
 */
export type Ecosystem = 'npm' | 'gem' | 'pypi';

export interface CorpusEntry {
  ecosystem: Ecosystem;
  /** What a new user asks for: the latest release, as `bale request <spec>` resolves it. */
  spec: string;
  /** The module or library the check loads. */
  module: string;
  /** Debian packages the build needs on the host besides the toolchain (gcc, g++, make, python3). */
  apt: string[];
  /** Code run by the target interpreter from the unpacked root; exits non-zero when the package does not work. */
  check: string;
}

export const ENTRIES: CorpusEntry[] = [
  {
    ecosystem: 'npm',
    spec: 'bcrypt',
    module: 'bcrypt',
    apt: [],
    check: `const b = require(M); if (!b.compareSync('bale', b.hashSync('bale', 4))) process.exit(1);`,
  },
  {
    ecosystem: 'npm',
    spec: 'sqlite3',
    module: 'sqlite3',
    apt: [],
    check: `const s = require(M); const db = new s.Database(':memory:'); db.get('select 40 + 2 as v', (e, r) => { if (e || r.v !== 42) process.exit(1); db.close(); });`,
  },
  {
    ecosystem: 'npm',
    spec: 'argon2',
    module: 'argon2',
    apt: [],
    check: `const a = require(M); a.hash('bale').then((h) => a.verify(h, 'bale')).then((ok) => { if (!ok) process.exit(1); }, () => process.exit(1));`,
  },
  {
    ecosystem: 'npm',
    spec: 'tree-sitter',
    module: 'tree-sitter',
    apt: [],
    check: `const P = require(M); const p = new P(); if (typeof p.parse !== 'function') process.exit(1);`,
  },
  {
    ecosystem: 'npm',
    spec: 're2',
    module: 're2',
    apt: [],
    check: `const RE2 = require(M); if (new RE2('a+b').exec('xaaab')[0] !== 'aaab') process.exit(1);`,
  },
  {
    ecosystem: 'npm',
    spec: 'node-pty',
    module: 'node-pty',
    apt: [],
    check: `const pty = require(M); const p = pty.spawn('/bin/echo', ['bale'], {}); let out = ''; p.onData((d) => { out += d; }); p.onExit(() => { if (!out.includes('bale')) process.exit(1); });`,
  },
  {
    ecosystem: 'npm',
    spec: 'leveldown',
    module: 'leveldown',
    apt: [],
    check: `const os = require('os'), path = require('path'), fs = require('fs'); const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-')); const db = require(M)(dir); db.open((e) => { if (e) process.exit(1); db.put('k', 'v', (e) => { if (e) process.exit(1); db.get('k', { asBuffer: false }, (e, v) => { if (e || v !== 'v') process.exit(1); db.close(() => fs.rmSync(dir, { recursive: true })); }); }); });`,
  },
  {
    ecosystem: 'npm',
    spec: 'canvas',
    module: 'canvas',
    apt: ['libcairo2-dev', 'libpango1.0-dev', 'libjpeg-dev', 'libgif-dev', 'librsvg2-dev', 'pkg-config'],
    check: `const { createCanvas } = require(M); const c = createCanvas(20, 10); const g = c.getContext('2d'); g.fillText('bale', 0, 8); if (c.toBuffer('image/png').readUInt32BE(0) !== 0x89504e47) process.exit(1);`,
  },
  {
    ecosystem: 'npm',
    spec: 'kerberos',
    module: 'kerberos',
    apt: ['libkrb5-dev'],
    check: `const k = require(M); if (typeof k.initializeClient !== 'function') process.exit(1);`,
  },
  {
    ecosystem: 'gem',
    spec: 'nokogiri',
    module: 'nokogiri',
    apt: ['libxml2-dev', 'libxslt1-dev', 'pkg-config'],
    check: `require "nokogiri"; abort "xml" unless Nokogiri::XML("<a><b>bale</b></a>").at("b").text == "bale"; abort "bundled libxml2" if Nokogiri::VERSION_INFO["libxml"]["source"] != "system"`,
  },
  {
    ecosystem: 'gem',
    spec: 'ffi',
    module: 'ffi',
    apt: ['libffi-dev'],
    check: `require "ffi"; module L; extend FFI::Library; ffi_lib FFI::Library::LIBC; attach_function :strlen, [:string], :size_t; end; abort "ffi" unless L.strlen("bale") == 4`,
  },
  {
    ecosystem: 'gem',
    spec: 'eventmachine',
    module: 'eventmachine',
    apt: ['libssl-dev'],
    check: `require "eventmachine"; ok = false; EM.run { EM.next_tick { ok = true; EM.stop } }; abort "em" unless ok`,
  },
  {
    ecosystem: 'pypi',
    spec: 'lxml',
    module: 'lxml',
    apt: ['libxml2-dev', 'libxslt1-dev'],
    check: `from lxml import etree; assert etree.fromstring(b"<a><b>bale</b></a>").findtext("b") == "bale"`,
  },
  {
    ecosystem: 'pypi',
    spec: 'Pillow',
    module: 'PIL',
    apt: ['libjpeg-dev', 'zlib1g-dev'],
    check: `from PIL import Image; import io; b = io.BytesIO(); Image.new("RGB", (4, 4)).save(b, "JPEG"); assert b.getvalue()[:2] == b"\\xff\\xd8"`,
  },
  {
    ecosystem: 'pypi',
    spec: 'mysqlclient',
    module: 'MySQLdb',
    apt: ['default-libmysqlclient-dev', 'pkg-config'],
    check: `import MySQLdb; assert MySQLdb.version_info[0] >= 1`,
  },
  {
    ecosystem: 'pypi',
    spec: 'cffi',
    module: 'cffi',
    apt: ['libffi-dev'],
    check: `import cffi; f = cffi.FFI(); f.cdef("size_t strlen(const char *);"); assert f.dlopen(None).strlen(b"bale") == 4`,
  },
];
