/**
 * Debian version ordering (policy 5.6.12), as dpkg --compare-versions decides it, so `bale build
 * deb:x` picks the newest recipe and dependency constraints can be checked without a subprocess.
 * Checked against dpkg itself in the tests.
 */

interface Parts {
  epoch: number;
  upstream: string;
  revision: string;
}

function split(v: string): Parts {
  const colon = v.indexOf(':');
  const epoch = colon > 0 && /^\d+$/.test(v.slice(0, colon)) ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 && /^\d+$/.test(v.slice(0, colon)) ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash < 0 ? { epoch, upstream: rest, revision: '' } : { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) };
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isLetter = (c: string): boolean => /^[A-Za-z]$/.test(c);

/** Weight of one non-digit character: `~` before the end, the end before letters, letters before the rest. */
function weight(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (isLetter(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's comparison of one part: alternating non-digit runs (by weight) and digit runs (numerically). */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const wa = isDigit(a[i]) ? 0 : weight(a[i]);
      const wb = isDigit(b[j]) ? 0 : weight(b[j]);
      if (wa !== wb) return wa - wb;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let firstDiff = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

// Policy 5.6.12: [epoch:]upstream[-revision]; upstream starts with a digit, and holds a hyphen only when a revision follows.
const DEB_VERSION = /^(?:\d+:)?\d[A-Za-z0-9.+~:-]*$/;

/** Whether dpkg would accept `v` as a version (colons after the epoch and hyphens before the revision allowed, as policy says). */
export function isValidDebVersion(v: string): boolean {
  if (!DEB_VERSION.test(v)) return false;
  const rest = v.replace(/^\d+:/, '');
  const dash = rest.lastIndexOf('-');
  const upstream = dash < 0 ? rest : rest.slice(0, dash);
  const revision = dash < 0 ? '' : rest.slice(dash + 1);
  return /^\d/.test(upstream) && (dash < 0 || /^[A-Za-z0-9.+~]+$/.test(revision));
}

/** Negative, zero or positive, like dpkg --compare-versions a lt/eq/gt b. */
export function compareDebVersions(a: string, b: string): number {
  const x = split(a);
  const y = split(b);
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  return compareFragment(x.upstream, y.upstream) || compareFragment(x.revision, y.revision);
}

/** Relations of a versioned dependency (`<<`, `<=`, `=`, `>=`, `>>`; `<` and `>` are the obsolete spellings of <= and >=). */
export function satisfiesDeb(version: string, op: string, wanted: string): boolean {
  const c = compareDebVersions(version, wanted);
  switch (op) {
    case '<<':
      return c < 0;
    case '<=':
    case '<':
      return c <= 0;
    case '=':
      return c === 0;
    case '>=':
    case '>':
      return c >= 0;
    case '>>':
      return c > 0;
    default:
      return false;
  }
}

/** Newest first. */
export function sortDebVersionsDescending(versions: readonly string[]): string[] {
  return [...versions].sort((a, b) => compareDebVersions(b, a));
}
