/**
 * Attestation bundles (in-toto's Bundle layer): `<package file>.intoto.jsonl` beside a package,
 * one DSSE envelope per line. A bundle is not signed as a whole (each envelope is), so merging
 * here is bookkeeping, not a trust decision: one envelope per signer key id and subject, the newest
 * replacing the older, in a fixed order so equal contents give equal bytes.
 */
import { writeFileAtomic } from '../util/atomic-write.js';
import { READ_BOUNDS, readBoundedText } from '../util/read-file.js';
import { decodeDsseBase64, formatEnvelope, parseEnvelope, type Envelope } from './dsse.js';
import { ATTEST_ERROR } from './parse.js';

export const BUNDLE_SUFFIX = '.intoto.jsonl';

/** The bundle path for a package file: `<file>.intoto.jsonl`. */
export function bundleFileFor(packageFile: string): string {
  return `${packageFile}${BUNDLE_SUFFIX}`;
}

/** Parse bundle text; a bad line is a UserError (EATTEST) naming `source:<line number>`. Blank lines are skipped. */
export function parseBundle(text: string, source: string): Envelope[] {
  const envelopes: Envelope[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() !== '') envelopes.push(parseEnvelope(line, `${source}:${i + 1}`));
  });
  return envelopes;
}

/** Bundle text: one compact envelope per line, each ending in a newline. */
export function formatBundle(envelopes: readonly Envelope[]): string {
  return envelopes.map((e) => `${formatEnvelope(e)}\n`).join('');
}

/**
 * The subjects an envelope is about, for merging only (nothing here is verified): the sorted
 * sha256 digests of an in-toto statement's subjects, or for any other payload the payload itself.
 */
function subjectKey(env: Envelope): string {
  const payload = decodeDsseBase64(env.payload)?.toString('utf8') ?? env.payload;
  try {
    const s = JSON.parse(payload) as { subject?: { digest?: { sha256?: unknown } }[] };
    const digests = (Array.isArray(s.subject) ? s.subject : []).map((x) => x?.digest?.sha256);
    if (digests.length > 0 && digests.every((d): d is string => typeof d === 'string')) return `sha256:${digests.sort().join(',')}`;
  } catch {
    // Not JSON: the payload stands for itself.
  }
  return `payload:${env.payload}`;
}

/** Who signed, by the key ids the envelope states: the merge key's first half and the sort order. */
const signersKey = (env: Envelope): string => [...new Set(env.signatures.map((s) => s.keyid))].sort().join(',');

/**
 * `existing` with `added` merged in: for each (signer key ids, subject) the last envelope wins, so
 * a builder's new attestation of a package replaces its old one. Sorted by signer key ids, then
 * subject.
 */
export function mergeBundle(existing: readonly Envelope[], added: readonly Envelope[]): Envelope[] {
  const byKey = new Map<string, Envelope>();
  for (const env of [...existing, ...added]) byKey.set(`${signersKey(env)}\u0000${subjectKey(env)}`, env);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, env]) => env);
}

/** The envelopes of the bundle `file`; [] when there is no such file. */
export async function readBundle(file: string): Promise<Envelope[]> {
  const text = await readBoundedText(file, {
    maxBytes: READ_BOUNDS.json,
    what: 'an attestation bundle',
    code: ATTEST_ERROR,
    optional: true,
  });
  return text === undefined ? [] : parseBundle(text, file);
}

/**
 * Merge `added` into the bundle `file` and replace it atomically (readers see the old bundle or
 * the new one). Returns what was written. Two writers at once may lose one's addition: callers
 * serialize their writes to one package's bundle.
 */
export async function addToBundle(file: string, added: readonly Envelope[]): Promise<Envelope[]> {
  const merged = mergeBundle(await readBundle(file), added);
  await writeFileAtomic(file, formatBundle(merged));
  return merged;
}
