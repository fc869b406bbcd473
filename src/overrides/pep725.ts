/**
 * PEP 725 `[external]` tables: the non-PyPI build and run-time dependencies a project declares in
 * its pyproject.toml, as DepURLs (`dep:generic/openssl`, `dep:virtual/compiler/c`). Earlier drafts
 * of the PEP, which projects already ship, wrote them as PURLs (`pkg:generic/openssl`) and
 * `virtual:compiler/c`; both spellings are read. Each entry may carry a PEP 508 environment marker
 * after `;`, which is kept for the caller to evaluate per interpreter.
 *
 * `debianFor` maps the common ones to Debian bookworm packages. The mapping is deliberately small:
 * an unknown name is `undefined`, for the override table to answer.
 */
import { parse as parseToml } from 'smol-toml';
import { UserError } from '../errors/index.js';

/** The required external dependencies of a project, as the specifier strings it wrote. */
export interface ExternalDeps {
  /** `build-requires`: tools run on the build machine (compilers, pkg-config, code generators). */
  build: string[];
  /** `host-requires`: what the build links against; usually also needed at run time. */
  host: string[];
  /** `dependencies`: needed at run time only. */
  run: string[];
  /** `optional-build-requires`, `optional-host-requires`, `optional-dependencies`, by extra name. */
  optional: { build: Record<string, string[]>; host: Record<string, string[]>; run: Record<string, string[]> };
}

/** One external dependency specifier, taken apart. */
export interface DepUrl {
  /** `dep`, `pkg` or, for the early-draft `virtual:compiler/c`, `virtual`. */
  scheme: 'dep' | 'pkg' | 'virtual';
  /** PURL type (`generic`, `github`, `pypi`, `cargo` ...) or `virtual`. */
  type: string;
  /** Namespace segments: `['compiler']` for `dep:virtual/compiler/c`, `[]` for `dep:generic/zlib`. */
  namespace: string[];
  name: string;
  /** A version literal or a PEP 440-style range (`>=3.7.1`), as written after `@`. */
  version?: string;
  /** PEP 508 environment marker after `;`, trimmed. */
  marker?: string;
}

const ARRAY_KEYS = { 'build-requires': 'build', 'host-requires': 'host', dependencies: 'run' } as const;
const OPTIONAL_KEYS = { 'optional-build-requires': 'build', 'optional-host-requires': 'host', 'optional-dependencies': 'run' } as const;
const KNOWN_KEYS = [...Object.keys(ARRAY_KEYS), ...Object.keys(OPTIONAL_KEYS), 'dependency-groups'];

const PURL_TYPE = /^[a-z][a-z0-9.+-]*$/;
const VIRTUAL_NAMESPACES = ['compiler', 'interface'];
// PEP 725 allows only these operators in a DepURL range; a bare version is a literal.
const RANGE_CLAUSE = /^(>=|<=|==|>|<)\s*[0-9A-Za-z][0-9A-Za-z.+!*-]*$/;
const VERSION_LITERAL = /^[0-9A-Za-z][0-9A-Za-z.+!_~%-]*$/;

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Why `spec` is not an external dependency specifier, or undefined when it is one. */
function depUrlProblem(spec: string): string | undefined {
  return parse(spec).problem;
}

function parse(spec: string): { dep?: DepUrl; problem?: string } {
  const semi = spec.indexOf(';');
  const url = (semi < 0 ? spec : spec.slice(0, semi)).trim();
  const marker = semi < 0 ? undefined : spec.slice(semi + 1).trim();
  if (marker === '') return { problem: 'empty environment marker after ";"' };
  const m = /^(dep|pkg|virtual):(.*)$/.exec(url);
  if (m === null) return { problem: 'expected a dep: URL (dep:generic/openssl, dep:virtual/compiler/c)' };
  const scheme = m[1] as DepUrl['scheme'];
  let rest = m[2]!;
  if (rest.startsWith('//')) rest = rest.slice(2); // PURL tolerates pkg://type/name
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  let version: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    version = rest.slice(at + 1).trim();
    rest = rest.slice(0, at);
    if (version === '') return { problem: 'empty version after "@"' };
    const ranged = /^[<>=]/.test(version);
    if (ranged ? !version.split(',').every((c) => RANGE_CLAUSE.test(c.trim())) : !VERSION_LITERAL.test(version)) {
      return { problem: `version "${version}" is neither a version nor a range of >=, <=, ==, >, < joined by ","` };
    }
  }
  const segs = rest.split('/');
  if (segs.some((s) => s === '' || /\s/.test(s))) return { problem: 'empty or blank path segment' };
  let type: string;
  if (scheme === 'virtual') {
    type = 'virtual'; // virtual:compiler/c, the early-draft spelling
  } else {
    type = segs.shift()!.toLowerCase();
    if (!PURL_TYPE.test(type)) return { problem: `"${type}" is not a PURL type` };
  }
  if (segs.length === 0) return { problem: 'no package name' };
  const name = segs.pop()!;
  if (type === 'virtual' && (segs.length !== 1 || !VIRTUAL_NAMESPACES.includes(segs[0]!.toLowerCase()))) {
    return { problem: 'a virtual dependency is virtual/compiler/<name> or virtual/interface/<name>' };
  }
  return {
    dep: {
      scheme,
      type,
      namespace: segs,
      name,
      ...(version !== undefined ? { version } : {}),
      ...(marker !== undefined ? { marker } : {}),
    },
  };
}

/** Take an external dependency specifier apart; undefined when it is not one. */
export function parseDepUrl(spec: string): DepUrl | undefined {
  return parse(spec).dep;
}

function fail(source: string, problems: string[]): never {
  throw new UserError('EPEP725', `${source}: malformed [external] table (PEP 725): ${problems.join('; ')}`);
}

function checkList(v: unknown, where: string, problems: string[]): string[] {
  if (!Array.isArray(v)) {
    problems.push(`${where}: expected an array of strings`);
    return [];
  }
  const out: string[] = [];
  v.forEach((item, i) => {
    if (typeof item !== 'string') {
      problems.push(`${where}[${i}]: expected a string`);
      return;
    }
    const why = depUrlProblem(item);
    if (why !== undefined) problems.push(`${where}[${i}] "${item}": ${why}`);
    else out.push(item.trim());
  });
  return out;
}

function checkGroups(v: unknown, problems: string[]): void {
  const where = 'external.dependency-groups';
  if (!isTable(v)) {
    problems.push(`${where}: expected a table`);
    return;
  }
  for (const [group, items] of Object.entries(v)) {
    if (!Array.isArray(items)) {
      problems.push(`${where}.${group}: expected an array`);
      continue;
    }
    items.forEach((item, i) => {
      const at = `${where}.${group}[${i}]`;
      if (typeof item === 'string') {
        const why = depUrlProblem(item);
        if (why !== undefined) problems.push(`${at} "${item}": ${why}`);
      } else if (isTable(item) && Object.keys(item).length === 1 && typeof item['include-group'] === 'string') {
        if (!(item['include-group'] in v)) problems.push(`${at}: includes unknown group "${item['include-group']}"`);
      } else {
        problems.push(`${at}: expected a string or { include-group = "<name>" }`);
      }
    });
  }
}

/**
 * The `[external]` table of a pyproject.toml text; undefined when there is none (the project
 * declares no external dependencies). `source` names the file in errors. A malformed table, or a
 * pyproject.toml that is not TOML, is a UserError 'EPEP725' listing every problem on one line.
 */
export function parseExternal(pyprojectText: string, source: string): ExternalDeps | undefined {
  let doc: unknown;
  try {
    doc = parseToml(pyprojectText);
  } catch (err) {
    throw new UserError('EPEP725', `${source}: not valid TOML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const ext = (doc as Record<string, unknown>)['external'];
  if (ext === undefined) return undefined;
  if (!isTable(ext)) fail(source, ['external: expected a table']);
  const problems: string[] = [];
  const out: ExternalDeps = { build: [], host: [], run: [], optional: { build: {}, host: {}, run: {} } };
  for (const key of Object.keys(ext)) {
    if (!KNOWN_KEYS.includes(key)) problems.push(`external.${key}: unknown key (PEP 725 defines ${KNOWN_KEYS.join(', ')})`);
  }
  for (const [key, field] of Object.entries(ARRAY_KEYS)) {
    if (ext[key] !== undefined) out[field] = checkList(ext[key], `external.${key}`, problems);
  }
  for (const [key, field] of Object.entries(OPTIONAL_KEYS)) {
    const t = ext[key];
    if (t === undefined) continue;
    if (!isTable(t)) {
      problems.push(`external.${key}: expected a table of arrays`);
      continue;
    }
    for (const [extra, list] of Object.entries(t)) out.optional[field][extra] = checkList(list, `external.${key}.${extra}`, problems);
  }
  if (ext['dependency-groups'] !== undefined) checkGroups(ext['dependency-groups'], problems);
  if (problems.length > 0) fail(source, problems);
  return out;
}

/** Debian packages for building against (`dev`) and for running with (`run`) one external dependency. */
interface Mapping {
  dev: readonly string[];
  run: readonly string[];
}

const lib = (dev: string | string[], run: string | string[]): Mapping => ({ dev: [dev].flat(), run: [run].flat() });
/** A tool: the same package to build with and, if something runs it later, to run with. */
const tool = (...pkgs: string[]): Mapping => ({ dev: pkgs, run: pkgs });
/** Headers only: nothing at run time. */
const headers = (...pkgs: string[]): Mapping => ({ dev: pkgs, run: [] });

/**
 * Debian bookworm packages for common external dependencies, keyed `type/namespace/name` in lower
 * case. `dev` is what a build needs (headers, pkg-config files, the tool); `run` what an image needs.
 */
export const DEBIAN_FOR: Readonly<Record<string, Mapping>> = {
  // Compilers (virtual/compiler/*). The C toolchain also needs libc's headers.
  'virtual/compiler/c': headers('gcc', 'libc6-dev'),
  'virtual/compiler/cpp': lib('g++', 'libstdc++6'),
  'virtual/compiler/cxx': lib('g++', 'libstdc++6'),
  'virtual/compiler/c++': lib('g++', 'libstdc++6'),
  'virtual/compiler/fortran': lib('gfortran', 'libgfortran5'),
  'virtual/compiler/rust': headers('rustc', 'cargo'),
  'virtual/compiler/go': headers('golang-go'),
  // Interfaces (virtual/interface/*): OpenBLAS provides BLAS, CBLAS and LAPACK through alternatives.
  'virtual/interface/blas': lib('libopenblas-dev', 'libopenblas0'),
  'virtual/interface/cblas': lib('libopenblas-dev', 'libopenblas0'),
  'virtual/interface/lapack': lib('libopenblas-dev', 'libopenblas0'),
  'virtual/interface/mpi': lib('libopenmpi-dev', 'libopenmpi3'),
  'virtual/interface/openmp': lib([], 'libgomp1'),
  // Build tools.
  'generic/pkg-config': tool('pkgconf'),
  'generic/pkgconf': tool('pkgconf'),
  'generic/cmake': tool('cmake'),
  'generic/meson': tool('meson'),
  'generic/ninja': tool('ninja-build'),
  'generic/make': tool('make'),
  'generic/autoconf': tool('autoconf'),
  'generic/automake': tool('automake'),
  'generic/libtool': tool('libtool'),
  'generic/swig': tool('swig'),
  'generic/bison': tool('bison'),
  'generic/flex': tool('flex'),
  'generic/gettext': tool('gettext'),
  'generic/patchelf': tool('patchelf'),
  'generic/git': tool('git'),
  'generic/nodejs': tool('nodejs'),
  'generic/protobuf': lib(['protobuf-compiler', 'libprotobuf-dev'], 'libprotobuf32'),
  // Libraries.
  'generic/openssl': lib('libssl-dev', 'libssl3'),
  'generic/zlib': lib('zlib1g-dev', 'zlib1g'),
  'generic/bzip2': lib('libbz2-dev', 'libbz2-1.0'),
  'generic/xz': lib('liblzma-dev', 'liblzma5'),
  'generic/liblzma': lib('liblzma-dev', 'liblzma5'),
  'generic/zstd': lib('libzstd-dev', 'libzstd1'),
  'generic/lz4': lib('liblz4-dev', 'liblz4-1'),
  'generic/snappy': lib('libsnappy-dev', 'libsnappy1v5'),
  'generic/libffi': lib('libffi-dev', 'libffi8'),
  'generic/libxml2': lib('libxml2-dev', 'libxml2'),
  'generic/libxslt': lib('libxslt1-dev', 'libxslt1.1'),
  'generic/libyaml': lib('libyaml-dev', 'libyaml-0-2'),
  'generic/libpq': lib('libpq-dev', 'libpq5'),
  'generic/sqlite': lib('libsqlite3-dev', 'libsqlite3-0'),
  'generic/sqlite3': lib('libsqlite3-dev', 'libsqlite3-0'),
  'generic/libcurl': lib('libcurl4-openssl-dev', 'libcurl4'),
  'generic/libjpeg': lib('libjpeg62-turbo-dev', 'libjpeg62-turbo'),
  'generic/libjpeg-turbo': lib('libjpeg62-turbo-dev', 'libjpeg62-turbo'),
  'generic/libpng': lib('libpng-dev', 'libpng16-16'),
  'generic/freetype': lib('libfreetype-dev', 'libfreetype6'),
  'generic/libtiff': lib('libtiff-dev', 'libtiff6'),
  'generic/libwebp': lib('libwebp-dev', ['libwebp7', 'libwebpmux3', 'libwebpdemux2']),
  'generic/lcms2': lib('liblcms2-dev', 'liblcms2-2'),
  'generic/openjpeg': lib('libopenjp2-7-dev', 'libopenjp2-7'),
  'generic/libimagequant': lib('libimagequant-dev', 'libimagequant0'),
  'generic/libraqm': lib('libraqm-dev', 'libraqm0'),
  'generic/libxcb': lib('libxcb1-dev', 'libxcb1'),
  'generic/xcb': lib('libxcb1-dev', 'libxcb1'),
  'generic/tk': lib('tk-dev', 'libtk8.6'),
  'generic/cairo': lib('libcairo2-dev', 'libcairo2'),
  'generic/glib': lib('libglib2.0-dev', 'libglib2.0-0'),
  'generic/dbus': lib('libdbus-1-dev', 'libdbus-1-3'),
  'generic/geos': lib('libgeos-dev', 'libgeos-c1v5'),
  'generic/proj': lib(['libproj-dev', 'proj-bin'], 'libproj25'),
  'generic/gdal': lib('libgdal-dev', 'libgdal32'),
  'generic/hdf5': lib('libhdf5-dev', 'libhdf5-103-1'),
  'generic/netcdf': lib('libnetcdf-dev', 'libnetcdf19'),
  'generic/openblas': lib('libopenblas-dev', 'libopenblas0'),
  'generic/zeromq': lib('libzmq3-dev', 'libzmq5'),
  'generic/libzmq': lib('libzmq3-dev', 'libzmq5'),
  'generic/libsodium': lib('libsodium-dev', 'libsodium23'),
  'generic/librdkafka': lib('librdkafka-dev', 'librdkafka1'),
  'generic/libmagic': lib('libmagic-dev', 'libmagic1'),
  'generic/freetds': lib('freetds-dev', 'libsybdb5'),
  'generic/krb5': lib('libkrb5-dev', ['libkrb5-3', 'libgssapi-krb5-2']),
  'generic/openldap': lib('libldap-dev', 'libldap-2.5-0'),
  'generic/cyrus-sasl': lib('libsasl2-dev', 'libsasl2-2'),
  'generic/unixodbc': lib('unixodbc-dev', 'libodbc2'),
  'generic/libxmlsec1': lib('libxmlsec1-dev', ['libxmlsec1', 'libxmlsec1-openssl']),
  'generic/xmlsec': lib('libxmlsec1-dev', ['libxmlsec1', 'libxmlsec1-openssl']),
  'generic/portaudio': lib('portaudio19-dev', 'libportaudio2'),
  'generic/libsndfile': lib('libsndfile1-dev', 'libsndfile1'),
  'generic/gmp': lib('libgmp-dev', 'libgmp10'),
  'generic/mpfr': lib('libmpfr-dev', 'libmpfr6'),
  'generic/mpc': lib('libmpc-dev', 'libmpc3'),
  'generic/libgit2': lib('libgit2-dev', 'libgit2-1.5'),
  'generic/boost': headers('libboost-dev'),
  'generic/eigen': headers('libeigen3-dev'),
  'generic/pybind11': headers('pybind11-dev'),
};

/** The mapping key of a parsed DepURL: `type/namespace/name`, lower case. */
function keyOf(d: DepUrl): string {
  return [d.type, ...d.namespace, d.name].join('/').toLowerCase();
}

/**
 * Debian bookworm packages for one external dependency specifier (version and marker ignored):
 * for `build` and `host` the packages to build with (headers, tools), for `run` the packages an
 * image needs. `[]` when nothing is needed in that role (a compiler at run time); undefined when
 * the specifier is malformed or its name is not in the table.
 */
export function debianFor(spec: string, role: 'build' | 'host' | 'run' = 'host'): string[] | undefined {
  const d = parseDepUrl(spec);
  if (d === undefined) return undefined;
  const m = DEBIAN_FOR[keyOf(d)];
  if (m === undefined) return undefined;
  return [...(role === 'run' ? m.run : m.dev)];
}

/**
 * Debian packages for a project's required external dependencies: `build` from build-requires and
 * host-requires, `runtime` from host-requires (what a build links is needed at run time too, PEP 725
 * says it need not be declared twice) and dependencies. `unknown` lists the specifiers the table does
 * not map. `markerHolds` decides entries with an environment marker (default: kept).
 */
export function debianPackages(
  ext: ExternalDeps,
  markerHolds: (marker: string) => boolean = () => true,
): { build: string[]; runtime: string[]; unknown: string[] } {
  const build = new Set<string>();
  const runtime = new Set<string>();
  const unknown: string[] = [];
  const take = (specs: string[], roles: ('build' | 'host' | 'run')[]): void => {
    for (const spec of specs) {
      const d = parseDepUrl(spec);
      if (d?.marker !== undefined && !markerHolds(d.marker)) continue;
      for (const role of roles) {
        const pkgs = debianFor(spec, role);
        if (pkgs === undefined) {
          if (!unknown.includes(spec)) unknown.push(spec);
          continue;
        }
        for (const p of pkgs) (role === 'run' ? runtime : build).add(p);
      }
    }
  };
  take(ext.build, ['build']);
  take(ext.host, ['host', 'run']);
  take(ext.run, ['run']);
  return { build: [...build].sort(), runtime: [...runtime].sort(), unknown };
}
