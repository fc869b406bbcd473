/**
 * Reads a PEP 503 project page (HTML): one anchor per file, the sha256 in the URL fragment,
 * Requires-Python (PEP 503, HTML-escaped), yanked (PEP 592), core metadata (PEP 658, renamed by
 * PEP 714), the repository version (PEP 629). Pure: text in, files out. Not a full HTML5 parser:
 * enough of one for what indexes generate (quoted or bare attributes, entities, comments, `<base>`).
 */
import type { DistFile } from './index-types.js';

export interface SimplePage {
  /** From `<title>Links for NAME</title>`, when the page has one. */
  name?: string;
  /** `<meta name="pypi:repository-version">`, when present. */
  apiVersion?: string;
  files: DistFile[];
}

export class SimplePageError extends Error {}

/** A start tag's inside: quoted values may hold `>` (valid HTML, and lax indexes leave `>=3.8` unescaped). */
const INSIDE = String.raw`((?:[^>"']|"[^"]*"|'[^']*')*)`;
const BASE_TAG = new RegExp(String.raw`<base\b${INSIDE}>`, 'i');
const META_TAG = new RegExp(String.raw`<meta\b${INSIDE}>`, 'gi');
const ANCHOR = new RegExp(String.raw`<a\b${INSIDE}>([\s\S]*?)</a\s*>`, 'gi');

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** HTML character references: named (the few indexes use), decimal and hex. Unknown ones stay as written. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#[0-9]+|#x[0-9a-f]+|[a-z]+);?/gi, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

/** The attributes of one start tag's inside (after the tag name), names lowercased, values decoded. */
export function parseAttributes(inside: string): Map<string, string> {
  const attrs = new Map<string, string>();
  const re = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  for (const m of inside.matchAll(re)) {
    const name = (m[1] ?? '').toLowerCase();
    if (attrs.has(name)) continue; // HTML: the first occurrence wins
    attrs.set(name, decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return attrs;
}

/** PEP 658/714 attribute value: `true`, or `<hashname>=<hex>`; absent means no metadata file. */
function coreMetadata(value: string | undefined): DistFile['coreMetadata'] {
  if (value === undefined) return false;
  const v = value.trim();
  if (v.toLowerCase() === 'false') return false;
  const eq = v.indexOf('=');
  if (eq > 0 && v.slice(0, eq).toLowerCase() === 'sha256') return { sha256: v.slice(eq + 1).toLowerCase() };
  return {};
}

function lastSegment(url: URL): string {
  const seg = url.pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

/** One anchor as a file; undefined for anchors without a usable href. */
function toFile(attrs: Map<string, string>, text: string, base: URL): DistFile | undefined {
  const href = attrs.get('href');
  if (href === undefined || href.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(href.trim(), base);
  } catch {
    throw new SimplePageError(`an anchor's href is not a URL: ${JSON.stringify(href)}`);
  }
  const frag = /^#?([a-z0-9_-]+)=([0-9a-f]+)$/i.exec(url.hash);
  const sha256 = frag && frag[1]?.toLowerCase() === 'sha256' ? frag[2]?.toLowerCase() : undefined;
  url.hash = '';
  const requiresPython = attrs.get('data-requires-python')?.trim();
  const yanked = attrs.get('data-yanked');
  const filename = decodeEntities(text.replace(/<[^>]*>/g, '')).trim() || lastSegment(url);
  return {
    filename,
    url: url.href,
    ...(sha256 === undefined ? {} : { sha256 }),
    ...(requiresPython ? { requiresPython } : {}),
    yanked: yanked === undefined ? false : yanked,
    coreMetadata: coreMetadata(attrs.get('data-core-metadata') ?? attrs.get('data-dist-info-metadata')),
  };
}

/** Parses a project page fetched from `pageUrl` (after redirects: relative links resolve against it). */
export function parseSimpleHtml(html: string, pageUrl: string): SimplePage {
  // Without one of these it is not an HTML page at all (an error text, a misconfigured proxy, binary).
  if (!/<(?:!doctype|html|head|body|a)[\s>]/i.test(html)) {
    throw new SimplePageError('not an HTML page');
  }
  const text = html.replace(/<!--[\s\S]*?-->/g, '');
  let base = new URL(pageUrl);
  const baseTag = BASE_TAG.exec(text);
  const baseHref = baseTag ? parseAttributes(baseTag[1] ?? '').get('href') : undefined;
  if (baseHref) base = new URL(baseHref, base);

  let apiVersion: string | undefined;
  for (const m of text.matchAll(META_TAG)) {
    const attrs = parseAttributes(m[1] ?? '');
    if (attrs.get('name') === 'pypi:repository-version') apiVersion = attrs.get('content')?.trim();
  }
  const title = /<title[^>]*>\s*Links for\s+([^<]*?)\s*<\/title>/i.exec(text);

  const files: DistFile[] = [];
  for (const m of text.matchAll(ANCHOR)) {
    const file = toFile(parseAttributes(m[1] ?? ''), m[2] ?? '', base);
    if (file) files.push(file);
  }
  files.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  return {
    ...(title?.[1] ? { name: decodeEntities(title[1]) } : {}),
    ...(apiVersion === undefined ? {} : { apiVersion }),
    files,
  };
}
