/**
 * The order list() returns packages in: by name, then version, then archive hash. Versions come
 * from three ecosystems, so no one version grammar applies; runs of digits compare as numbers
 * (1.9 < 1.10), everything else bytewise. Stable across machines and locales.
 */

const RUNS = /\d+|\D+/g;

function compareDigits(a: string, b: string): number {
  // Compare as numbers of any length: strip leading zeros, then longer is larger.
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : a.length - b.length;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function compareVersions(a: string, b: string): number {
  const ra = a.match(RUNS) ?? [];
  const rb = b.match(RUNS) ?? [];
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const x = ra[i] as string;
    const y = rb[i] as string;
    const bothDigits = /^\d/.test(x) && /^\d/.test(y);
    const c = bothDigits ? compareDigits(x, y) : compareBytes(x, y);
    if (c !== 0) return c;
  }
  return ra.length - rb.length;
}

export function comparePackages(
  a: { name: string; version: string; sha256: string },
  b: { name: string; version: string; sha256: string },
): number {
  return compareBytes(a.name, b.name) || compareVersions(a.version, b.version) || compareBytes(a.sha256, b.sha256);
}
