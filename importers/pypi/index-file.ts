/**
 * An index on this machine's disk (`--index-url file:///srv/pypi/simple/`), read as pip reads one:
 * a directory URL means its `index.html` (the layout `pip download` + a static PEP 503 generator,
 * or a bandersnatch mirror, leave), any other URL the file itself. Answers look like HTTP ones
 * (200, or 404 for what is not there), so the clients above read pages, metadata files and
 * distributions the same way from disk as over the network, hashes checked alike.
 */
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../src/errors/index.js';
import { fileKind, readBounded, READ_BOUNDS } from '../../src/util/read-file.js';
import type { HttpResponse } from '../index-http.js';

const TYPES: Record<string, string> = { '.html': 'text/html', '.htm': 'text/html', '.json': 'application/json' };

function typeOf(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : (TYPES[path.slice(dot).toLowerCase()] ?? '');
}

/** The file `url` names (its `index.html` for a directory URL) as a response; missing is a 404. */
export async function readFileUrl(url: string): Promise<HttpResponse> {
  const u = new URL(url);
  u.hash = '';
  u.search = '';
  let path: string;
  try {
    path = fileURLToPath(u);
  } catch (err) {
    throw new UserError('EINDEX', `${url}: not a local file URL (${(err as Error).message}): use file:///absolute/path`, { cause: err });
  }
  if (path.endsWith('/')) path += 'index.html';
  const what = 'an index file';
  const body = await readBounded(path, {
    maxBytes: READ_BOUNDS.source,
    what,
    code: 'EINDEX',
    label: u.href,
    hint: 'check the index (--index-url)',
    optional: true,
  }).catch((err: unknown) => {
    // A path through a file (`.../a-file/project/`) is as absent as a missing one.
    if ((err as { cause?: { code?: unknown } }).cause?.code === 'ENOTDIR') return undefined;
    throw err;
  });
  if (body === undefined) return { url: u.href, status: 404, contentType: '', body: Buffer.alloc(0) };
  return { url: u.href, status: 200, contentType: typeOf(path), body };
}

/**
 * Why the index directory `baseUrl` cannot be an index (missing, not a directory), or undefined:
 * asked when a project is not found, so a wrong `--index-url` is not reported as a missing project.
 */
export async function indexDirProblem(baseUrl: string): Promise<string | undefined> {
  const st = await stat(fileURLToPath(baseUrl).replace(/(.)\/+$/, '$1')).catch((err: NodeJS.ErrnoException) => err.code ?? 'error');
  if (typeof st === 'string') return st === 'ENOENT' ? 'no such directory' : `cannot read it (${st})`;
  return st.isDirectory() ? undefined : `is ${fileKind(st)}, not a directory`;
}
