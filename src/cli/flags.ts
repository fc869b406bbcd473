/**
 * Every value a flag or an environment variable gives bale, checked before the command does any
 * work with it (most as commander parses them, paths where a command first uses them): a bad one is a UsageError (one line, exit 2) that names where it came from (`--store`,
 * `BALE_STORE=`), the value, and what would do (src/util/checked-url.ts). Pure checks, plus a
 * stat for paths.
 */
import { readdirSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isUserError, UsageError } from '../errors/index.js';
import { parseDuration } from '../limits/index.js';
import { checkedUrl, CONTROL, usage, type Source } from '../util/checked-url.js';
import { fileKind } from '../util/read-file.js';
import { parseNodeList } from '../interpreters/node-request.js';
import { parsePythonList } from '../interpreters/python-request.js';
import { parseRubyList } from '../interpreters/ruby.js';
import { isRepository, isTag, parseImageRef, parseRegistryUrl } from '../registry/reference.js';

/** A checker's own UserError, restated as a usage error about `source` (its message without the echoed value). */
function restated(source: Source, value: string, err: unknown): never {
  if (!isUserError(err)) throw err;
  const why = err.message.startsWith(`${value}: `) ? err.message.slice(value.length + 2) : err.message;
  throw usage(source, value, why);
}

/** `--registry`, `--index-url`, `--source`: an index spoken to over http(s). */
export function httpUrl(source: Source, value: string, example: string): string {
  checkedUrl(source, value, ['http', 'https'], example);
  return value;
}

/** `--index-url`: an index spoken to over http(s), or one on this machine's disk (`file:///srv/pypi/simple/`). */
export function indexUrl(source: Source, value: string, example: string): string {
  checkedUrl(source, value, ['http', 'https', 'file'], example);
  return value;
}

/** A value `parse` accepts, its complaint restated about `source`; `example` shows what would do. */
function parsedWith(source: Source, value: string, parse: (value: string) => unknown, example: string): string {
  if (CONTROL.test(value)) throw usage(source, value, `holds a control character; e.g. ${example}`);
  try {
    parse(value);
  } catch (err) {
    restated(source, value, err);
  }
  return value;
}

/** `oci://HOST[:PORT]/NAMESPACE`: `--to`, `who-uses --registry`, a registry `--store`. */
export function registryUrl(source: Source, value: string): string {
  return parsedWith(source, value, parseRegistryUrl, 'oci://127.0.0.1:5000/bale');
}

/** `oci://HOST[:PORT]/REPO:TAG` or `…@sha256:…` (`bale pull`). */
export function imageRef(source: Source, value: string): string {
  return parsedWith(source, value, parseImageRef, 'oci://127.0.0.1:5000/bale/app:1');
}

/** What sits at `path`: its stat, nothing, or an ancestor that is not a directory (what to fix). */
type Seen = { kind: 'found'; stat: Stats } | { kind: 'none' } | { kind: 'blocked'; by: string };

function lookAt(path: string): Seen {
  try {
    return { kind: 'found', stat: statSync(path) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      // Some ancestor is not a directory: name it, it is what to fix.
      for (let p = dirname(path); p !== dirname(p); p = dirname(p)) {
        const up = lookAt(p);
        if (up.kind === 'found' && !up.stat.isDirectory()) return { kind: 'blocked', by: p };
      }
    }
    return { kind: 'none' }; // missing (or unreadable: the command's own error will say so)
  }
}

/** A directory bale reads or fills (`--recipes`, a local `--store`): it may not exist yet, but nothing else may be there. */
export function directory(source: Source, value: string, opts: { mustExist?: boolean; hint: string }): string {
  if (value === '') throw usage(source, value, `empty; ${opts.hint}`);
  const abs = resolve(value);
  const at = lookAt(abs);
  if (at.kind === 'blocked') throw usage(source, value, `${at.by} is not a directory; ${opts.hint}`);
  if (at.kind === 'found' && !at.stat.isDirectory()) throw usage(source, value, `${fileKind(at.stat)}, not a directory; ${opts.hint}`);
  if (at.kind === 'none' && opts.mustExist === true) throw usage(source, value, `no such directory; ${opts.hint}`);
  return abs;
}

/**
 * A directory bale fills from nothing (`install --root`): new, or empty. Whatever is in it would
 * escape the conflict check, and a file laid over it would replace it without a word.
 */
export function emptyDirectory(source: Source, value: string, hint: string): string {
  const abs = directory(source, value, { hint });
  let inside: string[] = [];
  try {
    inside = readdirSync(abs).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw usage(source, value, `cannot be read (${(err as Error).message}); ${hint}`);
  }
  if (inside.length > 0) {
    const shown = inside.slice(0, 3).join(', ') + (inside.length > 3 ? `, and ${inside.length - 3} more` : '');
    throw usage(source, value, `not empty (it holds ${shown}); ${hint}`);
  }
  return abs;
}

/** `--store` / `BALE_STORE`: a directory (made absolute), or a registry's `oci://` URL (kept). */
export function store(source: Source, value: string): string {
  if (value.startsWith('oci://')) return registryUrl(source, value);
  const hint = 'give a directory, or oci://HOST[:PORT]/NAMESPACE for a registry';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value))
    throw usage(source, value, `${value.slice(0, value.indexOf(':'))}:// cannot hold a store; ${hint}`);
  return directory(source, value, { hint });
}

/**
 * A file bale reads (`--key`, `--trust`, `--from-file`, BALE_SIGNING_KEY): it must be there, and be
 * a regular file. The one check of these: the read later words what changed since with this `hint`.
 */
export function inputFile(source: Source, value: string, hint: string): string {
  const at = lookAt(resolve(value));
  if (at.kind !== 'found') throw usage(source, value, `no such file; ${hint}`);
  if (at.stat.isDirectory()) throw usage(source, value, `a directory, not a file; ${hint}`);
  if (!at.stat.isFile()) throw usage(source, value, `is ${fileKind(at.stat)}, not a regular file; ${hint}`);
  return value;
}

/**
 * A file bale writes (`-o`, `--rootfs`, `--sbom`, `--out`). What may be there is the writer's
 * check (src/util/atomic-write.ts), which the commands run before any work, as a usage error.
 */
export function outputFile(source: Source, value: string): string {
  if (value === '') throw usage(source, value, 'empty; name the file to write');
  // Worded like the writer's own check, which the commands run later for what may sit there.
  if (lookAt(resolve(value)).kind === 'blocked')
    throw usage(source, value, 'cannot write there (a parent is not a directory): choose another path');
  return value;
}

/** A directory bale writes (`--oci`): checked by the layout writer before any work, like outputFile. */
export function outputDirectory(source: Source, value: string): string {
  if (value === '') throw usage(source, value, 'empty; name a directory to write the layout into');
  return value;
}

/** `--jobs`, `--concurrency`: each in its own name. */
export function wholeNumber(source: Source, value: string, min: number, max: number): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw usage(source, value, `expected a whole number from ${min} to ${max}`);
  return n;
}

/** `--build-timeout`: seconds, or a number with s, m or h. */
export function duration(source: Source, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw usage(source, value, 'expected a duration such as 600, 90s, 20m or 2h');
  return ms;
}

/** `--node`, `--python`, `--ruby`: checked as the builds would read them, kept as given. */
export function interpreterList(source: '--node' | '--python' | '--ruby', value: string): string {
  const parse = { '--node': parseNodeList, '--python': parsePythonList, '--ruby': parseRubyList }[source];
  try {
    parse(value);
  } catch (err) {
    if (!isUserError(err)) throw err;
    // The list parsers name their flag already ("bad --python ..."); the Node one names the version only.
    throw err.message.includes(source) ? new UsageError(err.message) : usage(source, value, err.message);
  }
  return value;
}

/** `image compose --name`: an OCI repository name. */
export function imageName(source: Source, value: string): string {
  if (!isRepository(value))
    throw usage(source, value, 'expected an image name: lowercase letters, digits, . _ - separated by /, e.g. app or team/app');
  return value;
}

/** `image compose --tag`: an OCI tag. */
export function imageTag(source: Source, value: string): string {
  if (!isTag(value))
    throw usage(source, value, 'expected a tag: letters, digits, _ . -, at most 128, not starting with . or -, e.g. 1 or 2024-06');
  return value;
}
