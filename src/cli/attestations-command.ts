/**
 * `bale attestations <oci://…/NAME:TAG | image file | package file>`: per package, who attested
 * which sha256 for which build key, each signature checked against the trust list (trusted and
 * valid, forged, or untrusted). A listing, not a verdict: `--require N` on pull/verify decides.
 * `--json` carries the raw DSSE envelopes, so anyone can check them with their own DSSE code.
 */
import type { EnvelopeReport, FoundEnvelope } from '../attest/index.js';
import type { Env } from './env.js';
import { printJson, say } from './output.js';
import { localEvidence, localPackages } from './policy.js';
import { trustList } from './signing.js';

/** One package and the envelopes found for it. */
interface Listed {
  name: string;
  version: string;
  sha256: string;
  buildKey: string | undefined;
  envelopes: FoundEnvelope[];
}

async function remoteListing(what: string): Promise<Listed[]> {
  const { parseImageRef, RegistryClient } = await import('../registry/index.js');
  const ref = parseImageRef(what);
  const { foundEnvelopes, readRemoteImage } = await import('../image/registry/pull.js');
  const { readImagePackages } = await import('../store/package-artifacts.js');
  const { packagesRepo, packageTag } = await import('../oci/index.js');
  const client = new RegistryClient(ref.registry);
  try {
    const { image, ns } = await readRemoteImage(client, ref, undefined);
    // Every request settled before the client closes; the first error in the image's order is the one reported.
    return await readImagePackages(client, ns, image.packages, async (ip, fetch): Promise<Listed> => {
      const got = await fetch({ attestations: true, archive: false });
      const pw = `${ref.registry.host}/${packagesRepo(ns)}:${packageTag(ip)}`;
      return {
        name: ip.name,
        version: ip.version,
        sha256: ip.sha256,
        buildKey: got?.build?.description.build_key,
        envelopes: foundEnvelopes(got?.attestations ?? [], pw),
      };
    });
  } finally {
    await client.close();
  }
}

async function localListing(what: string, env: Env): Promise<Listed[]> {
  const { packages } = await localPackages(what, env, 'bale attestations');
  const out: Listed[] = [];
  for (const p of packages) {
    const e = await localEvidence(p);
    out.push({ name: p.name, version: p.version, sha256: e.sha256, buildKey: e.buildKey, envelopes: e.envelopes });
  }
  return out;
}

const short = (hex: string | undefined): string => (hex === undefined ? '-' : hex.slice(0, 12));

const STATUS = { verified: 'trusted, valid', forged: 'trusted, FORGED', untrusted: 'untrusted' } as const;

/** One row per envelope: signer, standing, subject sha256, build key, relation to the package. */
function row(r: EnvelopeReport): string[] {
  const signer = r.signatures.map((s) => s.keyid || '(no keyid)').join(',') || '-';
  const standing = r.signatures.map((s) => STATUS[s.status]).join(',') || '-';
  if (r.claim === undefined) return [signer, standing, `unreadable: ${r.error ?? ''}`];
  return [signer, standing, `sha256 ${short(r.claim.sha256)}`, `build key ${short(r.claim.buildKey)}`, r.relation];
}

/** Columns padded to their widest cell across the listing; the last cell of a row is not padded. */
function table(listed: readonly Listed[], reports: readonly EnvelopeReport[][]): string[] {
  const rows = reports.map((rs) => rs.map(row));
  const widths: number[] = [];
  for (const r of rows.flat()) for (const [i, cell] of r.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  const lines: string[] = [];
  for (const [i, p] of listed.entries()) {
    lines.push(`${p.name} ${p.version}  sha256 ${short(p.sha256)}  build key ${short(p.buildKey)}`);
    if (rows[i]!.length === 0) lines.push('  (no attestations)');
    for (const r of rows[i]!) lines.push(`  ${r.map((cell, j) => (j === r.length - 1 ? cell : cell.padEnd(widths[j]!))).join('  ')}`);
  }
  return lines;
}

function jsonOf(listed: readonly Listed[], reports: readonly EnvelopeReport[][]): unknown {
  return {
    packages: listed.map((p, i) => ({
      name: p.name,
      version: p.version,
      sha256: p.sha256,
      build_key: p.buildKey ?? null,
      attestations: reports[i]!.map((r) => ({
        source: r.source,
        signatures: r.signatures.map((s) => ({
          keyid: s.keyid,
          trusted: s.status !== 'untrusted',
          valid: s.status === 'verified' ? true : s.status === 'forged' ? false : null,
        })),
        subject: r.claim === undefined ? null : { name: r.claim.subjectName, sha256: r.claim.sha256 },
        build_key: r.claim?.buildKey ?? null,
        builder: r.claim?.builderId ?? null,
        relation: r.relation,
        ...(r.error !== undefined ? { error: r.error } : {}),
        envelope: r.envelope ?? null,
      })),
    })),
  };
}

export async function cmdAttestations(what: string, env: Env): Promise<void> {
  const trusted = await trustList(env.opts);
  const listed = what.startsWith('oci://') ? await remoteListing(what) : await localListing(what, env);
  const { describeEnvelope } = await import('../attest/index.js');
  const reports = listed.map((p) => p.envelopes.map((f) => describeEnvelope(f, trusted, p)));
  if (env.opts.json) printJson(jsonOf(listed, reports));
  else for (const l of table(listed, reports)) say(l);
}
