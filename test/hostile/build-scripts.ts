/**
 * Hostile build scripts for the sandbox suite: one shell script run by an npm postinstall, a PEP 517
 * build (setup.py's place) and a gem's extconf.rb, each packaged for real and served with a
 * hand-written recipe, so `bale build recipe.toml` runs it exactly as it would run a stranger's.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { execa } from 'execa';
import { closeServer, listenLoopback } from '../helpers/loopback.js';
import { packFiles, tarGz } from '../helpers/npm-fixtures.js';
import { formatRecipe, type RecipeSource } from '../../src/recipe/index.js';

export const SDE = 1577836800;

/** Serves fixed files on loopback. */
export async function serveFiles(files: Map<string, Buffer>): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const body = files.get((req.url ?? '/').slice(1));
    res.writeHead(body === undefined ? 404 : 200, { 'content-length': String(body?.length ?? 0) });
    res.end(body);
  });
  const url = await listenLoopback(server);
  return { url, close: () => closeServer(server, new Set()) };
}

export const sri = (data: Buffer, alg: 'sha256' | 'sha512' = 'sha512'): string => `${alg}-${createHash(alg).update(data).digest('base64')}`;

export interface Escape {
  /** Host files the script tries to create (must not exist afterwards). */
  usrFile: string;
  etcFile: string;
  /** A root-only host file the script tries to read. */
  secret: string;
  /** A TCP port on the host's loopback the script tries to reach. */
  port: number;
  /** Also try to remount /usr read-write and to ptrace bale's shell (left out where the script may really be root on the host). */
  remount: boolean;
}

/**
 * Tries every way out the issue lists and prints ESCAPED_<what> for each that worked, then the
 * evidence of who it ran as; ends with exit 1 so the build fails and bale names the log.
 */
export function escapeScript(e: Escape): string {
  const py = (code: string): string => `/usr/bin/python3 -c '${code}'`;
  return [
    'echo "PROBE uid=$(id -u) $(grep CapEff /proc/self/status | tr -d "\\t")"',
    e.remount ? `mount -o remount,rw /usr 2>/dev/null && echo ESCAPED_REMOUNT` : 'true',
    `touch ${e.usrFile} 2>/dev/null && echo ESCAPED_USR`,
    `touch ${e.etcFile} 2>/dev/null && echo ESCAPED_ETC`,
    'mknod ./bale-probe-dev c 1 3 2>/dev/null && echo ESCAPED_MKNOD',
    `cat ${e.secret} 2>/dev/null && echo ESCAPED_READ_ROOT`,
    'unshare -r true 2>/dev/null && echo ESCAPED_USERNS',
    e.remount
      ? py(
          'import ctypes,os; l=ctypes.CDLL(None); p=os.getppid(); r=l.ptrace(16, p, 0, 0); r==0 and (os.waitpid(p, 0x40000000), l.ptrace(17, p, 0, 0)); print("ESCAPED_PTRACE" if r==0 else "ptrace refused")',
        )
      : 'true',
    `${py(`import socket; s=socket.create_connection(("127.0.0.1", ${e.port}), timeout=3); print("ESCAPED_NET")`)} 2>/dev/null || echo "network refused"`,
    'echo HOSTILE_DONE',
    'exit 1',
  ].join('\n');
}

/** An npm package whose postinstall runs `script` (through a file, as packages do). */
export async function npmPackage(name: string, script: string): Promise<{ tarball: Buffer; recipe: (url: string) => string }> {
  const pj = { name, version: '1.0.0', scripts: { postinstall: 'sh ./hostile.sh' } };
  const tarball = await packFiles([
    { path: 'package.json', body: Buffer.from(JSON.stringify(pj)) },
    { path: 'hostile.sh', body: Buffer.from(`${script}\n`) },
  ]);
  return {
    tarball,
    recipe: (url) =>
      recipeText(`pkg:npm/${name}@1.0.0`, { url: `${url}${name}-1.0.0.tgz`, integrity: sri(tarball), kind: 'npm-tarball' }, [
        'install-script',
      ]),
  };
}

/** An sdist whose in-tree PEP 517 backend (what setup.py would be) runs `script` when asked for a wheel. */
export async function sdist(name: string, script: string): Promise<{ data: Buffer; filename: string; recipe: (url: string) => string }> {
  const top = `${name}-1.0.0`;
  const backend = [
    'import subprocess, sys',
    'def build_wheel(out, config_settings=None, metadata_directory=None):',
    '    sys.exit(subprocess.call(["/bin/sh", "hostile.sh"]))',
    '',
  ].join('\n');
  const files: Array<[string, string]> = [
    [`${top}/PKG-INFO`, `Metadata-Version: 2.1\nName: ${name}\nVersion: 1.0.0\n`],
    [`${top}/pyproject.toml`, '[build-system]\nrequires = []\nbuild-backend = "hostile_backend"\nbackend-path = ["."]\n'],
    [`${top}/hostile_backend.py`, backend],
    [`${top}/setup.py`, 'raise SystemExit("the in-tree backend runs instead")\n'],
    [`${top}/hostile.sh`, `${script}\n`],
  ];
  const data = await tarGz(
    files.map(([p, body]) => ({
      header: { name: p, type: 'file', size: Buffer.byteLength(body), mode: 0o644, mtime: new Date(SDE * 1000) },
      body: Buffer.from(body),
    })),
  );
  const filename = `${top}.tar.gz`;
  return {
    data,
    filename,
    recipe: (url) =>
      recipeText(
        `pkg:pypi/${name}@1.0.0`,
        { url: `${url}${filename}`, integrity: sri(data, 'sha256'), kind: 'sdist', filename },
        ['sdist'],
        ['3.11'],
      ),
  };
}

/** A gem with a C extension whose extconf.rb runs `script`, built by the real `gem build`. */
export async function gem(
  dir: string,
  name: string,
  script: string,
): Promise<{ data: Buffer; filename: string; recipe: (url: string) => string }> {
  const root = join(dir, `gem-${name}`);
  mkdirSync(join(root, 'ext', name), { recursive: true });
  mkdirSync(join(root, 'lib'), { recursive: true });
  writeFileSync(join(root, 'lib', `${name}.rb`), '');
  writeFileSync(join(root, 'ext', name, 'hostile.sh'), `${script}\n`);
  writeFileSync(join(root, 'ext', name, 'extconf.rb'), `exit(system("/bin/sh", File.join(__dir__, "hostile.sh")) ? 0 : 1)\n`);
  const files = [`lib/${name}.rb`, `ext/${name}/extconf.rb`, `ext/${name}/hostile.sh`];
  writeFileSync(
    join(root, `${name}.gemspec`),
    `Gem::Specification.new do |s|\n  s.name = "${name}"\n  s.version = "1.0.0"\n  s.summary = "hostile"\n  s.authors = ["bale tests"]\n  s.files = ${JSON.stringify(files)}\n  s.extensions = ["ext/${name}/extconf.rb"]\n  s.license = "MIT"\nend\n`,
  );
  await execa('gem', ['build', '--norc', `${name}.gemspec`], { cwd: root, env: { SOURCE_DATE_EPOCH: String(SDE), HOME: root, TZ: 'UTC' } });
  const filename = `${name}-1.0.0.gem`;
  const data = readFileSync(join(root, filename));
  return {
    data,
    filename,
    recipe: (url) =>
      recipeText(
        `pkg:gem/${name}@1.0.0`,
        { url: `${url}${filename}`, integrity: sri(data, 'sha256'), kind: 'gem', filename },
        ['extension'],
        ['3.1'],
      ),
  };
}

/** A recipe for one hostile package, written by bale's own canonical writer. */
function recipeText(purl: string, source: RecipeSource, reasons: string[], interpreters: string[] = []): string {
  return formatRecipe({
    format: 1,
    purl,
    source_date_epoch: SDE,
    source: [source],
    dependency: [],
    build: { native: true, reasons, requires: [], interpreters },
  });
}

/** The log a failed build names in its error line. */
export function namedLog(stderr: string): string {
  const m = /full log: (\S+)/.exec(stderr);
  if (m === null) throw new Error(`no log named in: ${stderr}`);
  return readFileSync(m[1]!, 'utf8');
}
