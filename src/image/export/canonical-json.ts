/**
 * Canonical JSON for everything an export writes: object keys sorted by their UTF-8 bytes, no
 * insignificant whitespace (or a fixed indent), integers only. The OCI index, manifest and
 * config are addressed by the sha256 of their bytes, so two exports of one image, or an export
 * and a registry push, must serialise them identically; JSON.stringify alone would not (it
 * orders integer-like keys first and keeps insertion order otherwise).
 */
import { BaleError } from '../../errors/index.js';

function sortedKeys(obj: object): string[] {
  return Object.keys(obj)
    .map((k) => ({ k, b: Buffer.from(k, 'utf8') }))
    .sort((x, y) => Buffer.compare(x.b, y.b))
    .map((x) => x.k);
}

function write(value: unknown, indent: string, depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isSafeInteger(value)) throw new BaleError('ECANONICALJSON', `canonical JSON holds integers only, not ${String(value)}`);
      return String(value);
    case 'object':
      break;
    default:
      throw new BaleError('ECANONICALJSON', `canonical JSON cannot hold a ${typeof value}`);
  }
  const nl = indent === '' ? '' : `\n${indent.repeat(depth + 1)}`;
  const close = indent === '' ? '' : `\n${indent.repeat(depth)}`;
  const colon = indent === '' ? ':' : ': ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[${value.map((v) => `${nl}${write(v, indent, depth + 1)}`).join(',')}${close}]`;
  }
  const parts: string[] = [];
  for (const k of sortedKeys(value)) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined) continue; // as JSON.stringify: an absent optional field
    parts.push(`${nl}${JSON.stringify(k)}${colon}${write(v, indent, depth + 1)}`);
  }
  return parts.length === 0 ? '{}' : `{${parts.join(',')}${close}}`;
}

/** Compact canonical JSON (no whitespace, no trailing newline): the bytes that get a digest. */
export function canonicalJson(value: unknown): string {
  return write(value, '', 0);
}

/** The same order, indented by two spaces and ending in a newline: for documents people read. */
export function canonicalJsonPretty(value: unknown): string {
  return `${write(value, '  ', 0)}\n`;
}
