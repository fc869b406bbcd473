/**
 * What a Python package index says about a project, whichever protocol it speaks (Simple API as
 * PEP 691 JSON or PEP 503 HTML, or PyPI's JSON API), and the client interface over them.
 */
import { UserError } from '../../src/errors/index.js';
import { normalizePypiName } from '../../src/purl/purl.js';
import { identityError } from '../identity.js';

/** One distribution file (wheel or sdist) of a project, as the index lists it. */
export interface DistFile {
  filename: string;
  /** Absolute, without the `#sha256=` fragment. */
  url: string;
  /** Lowercase hex; absent when the index gives no sha256. */
  sha256?: string;
  /** Requires-Python as the index states it (unescaped), absent when it states none. */
  requiresPython?: string;
  /** PEP 592: false, or the reason ('' when none is given). */
  yanked: false | string;
  /** PEP 658/714: whether `<url>.metadata` is served, with its sha256 when the index gives one. */
  coreMetadata: false | { sha256?: string };
  /** Bytes (PEP 700 and the JSON API; HTML pages do not say). */
  size?: number;
  /** ISO 8601 upload time (PEP 700 and the JSON API), as the index spells it. */
  uploadTime?: string;
}

export interface ProjectFiles {
  /** As the index spells it: PEP 691 gives the normalized name, the JSON API the project's own. */
  name: string;
  /** Sorted by filename, so every protocol lists the same project in the same order. */
  files: DistFile[];
}

export interface IndexClient {
  /** The project's files: one request per project per client (memoised). Unknown project: UserError ENOTFOUND. */
  project(name: string): Promise<ProjectFiles>;
  /** The PEP 658 metadata file when the index offers one (verified against its sha256), else undefined. */
  coreMetadata(file: DistFile): Promise<string | undefined>;
  /** The file's bytes, verified against its sha256 when the index gave one. */
  download(file: DistFile): Promise<Buffer>;
  /** Closes the pooled connections. */
  close(): Promise<void>;
}

/** PEP 508 names: letters, digits and `-_.`, starting and ending with a letter or digit. */
const VALID_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

/** The normalized name to put in an index URL; anything else (a `/`, a space) is refused before any request. */
export function projectUrlName(name: string, indexUrl: string): string {
  if (!VALID_NAME.test(name)) {
    throw new UserError(
      'ENAME',
      `"${name}" is not a valid Python project name (letters, digits, "-", "_", "."), asked of ${indexUrl}: fix the requirement`,
    );
  }
  return normalizePypiName(name);
}

/** An index page about another project than the one asked for is refused (names compared normalized). */
export function checkProjectName(asked: string, urlName: string, got: string | undefined, url: string, what: string): void {
  if (got === undefined || normalizePypiName(got) === urlName) return;
  throw identityError(
    `Python project "${asked}"`,
    `${what} of ${JSON.stringify(got)}`,
    url,
    'the index (--index-url) answers for another project: check it, or use another',
  );
}
