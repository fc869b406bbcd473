/**
 * Leases and gc's marks for a registry store (`--store oci://HOST/NS`), kept in the registry so
 * every worker of a fleet and `bale gc` on any machine see them (leases.ts has the handshake): one
 * artifact each in `NS/leases`, tagged `lease-…` or `gc-…`, deleted when done. A registry knows no
 * processes, so a lease is believed for FOREIGN_LEASE_MS after it was pushed (a crashed builder's
 * lease keeps its inputs a day), and a mark, which its collector pushes again every
 * MARK_REFRESH_MS, for MARK_STALE_MS after the last push (a crashed collector holds builds back
 * for minutes, not a day). Times are the writers' clocks: a fleet keeps them within a minute (NTP).
 */
import { randomBytes } from 'node:crypto';
import { ANNOTATION, ARTIFACT, BLOB, buildsRepo, leasesRepo, MediaType } from '../oci/index.js';
import { parseManifest, pushBytes, putArtifact, type RegistryClient } from '../registry/index.js';
import { TEMP_HOST } from '../util/atomic-write.js';
import { FOREIGN_LEASE_MS } from './leases.js';
import type { LeaseBoard } from './store.js';

/** How often a collector pushes its mark again. */
export const MARK_REFRESH_MS = 20_000;
/** A mark not pushed again for this long is a dead collector's. */
export const MARK_STALE_MS = 120_000;

/** A lease (or mark) as read from the registry. */
export interface RegistryLease {
  tag: string;
  digest: string;
  keys: string[];
  /** Package stems a store is pushing under this lease (before its build record exists). */
  stems: string[];
  /** When it was pushed (ms since the epoch, the writer's clock). */
  since: number;
  mark: boolean;
}

interface Body {
  host: string;
  pid: number;
  id: string;
  keys: readonly string[];
  stems: readonly string[];
}

const tagPart = (s: string): string => s.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40);

/** Push a lease or mark under `tag` (the same tag again moves it); its digest. */
async function put(client: RegistryClient, ns: string, tag: string, body: Body): Promise<string> {
  const repo = leasesRepo(ns);
  const layer = await pushBytes(client, repo, BLOB.lease, Buffer.from(JSON.stringify(body)));
  const d = await putArtifact(client, repo, tag, ARTIFACT.lease, [layer], { [ANNOTATION.created]: new Date().toISOString() });
  return d.digest;
}

function fresh(kind: 'lease' | 'gc', keys: readonly string[], stems: readonly string[]): { tag: string; body: Body } {
  const id = randomBytes(6).toString('hex');
  return { tag: `${kind}-${tagPart(TEMP_HOST)}-${process.pid}-${id}`, body: { host: TEMP_HOST, pid: process.pid, id, keys, stems } };
}

/** Whether a lease or mark read at `now` still stands. */
export const standingLease = (l: Pick<RegistryLease, 'since' | 'mark'>, now = Date.now()): boolean =>
  now - l.since < (l.mark ? MARK_STALE_MS : FOREIGN_LEASE_MS);

/** Every lease and mark in the store's registry (`marksOnly`: only the marks, which builders poll). */
export async function readRegistryLeases(client: RegistryClient, ns: string, marksOnly = false): Promise<RegistryLease[]> {
  const repo = leasesRepo(ns);
  const out: RegistryLease[] = [];
  for (const tag of (await client.findTags(repo)) ?? []) {
    const mark = tag.startsWith('gc-');
    if (!mark && (marksOnly || !tag.startsWith('lease-'))) continue;
    // Released since the listing: gone.
    const m = await client.findManifest(repo, tag, [MediaType.ociManifest]);
    if (m === undefined) continue;
    try {
      const doc = parseManifest(m.bytes, `${repo}:${tag}`);
      const since = Date.parse(doc.annotations?.[ANNOTATION.created] ?? '');
      const layer = doc.layers.find((l) => l.mediaType === BLOB.lease);
      if (!Number.isFinite(since) || layer === undefined) continue;
      let body: Partial<Body> = {};
      if (!marksOnly) body = JSON.parse((await client.pullBlob(repo, layer.digest)).toString('utf8')) as Partial<Body>;
      const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((v): v is string => typeof v === 'string') : []);
      out.push({ tag, digest: m.digest, keys: strings(body.keys), stems: strings(body.stems), since, mark });
    } catch {
      // Not a readable lease (half pushed, or not bale's): not one.
    }
  }
  return out;
}

/**
 * gc's mark, pushed before it reads the leases and pushed again every MARK_REFRESH_MS while it
 * works; the returned function removes it.
 */
export async function markRegistryCollecting(client: RegistryClient, ns: string): Promise<() => Promise<void>> {
  const { tag, body } = fresh('gc', [], []);
  let digest = await put(client, ns, tag, body);
  let refreshing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    refreshing = refreshing
      .then(async () => {
        const old = digest;
        digest = await put(client, ns, tag, body);
        if (old !== digest) await client.deleteManifest(leasesRepo(ns), old);
      })
      .catch(() => undefined); // the next refresh tries again; a mark not refreshed goes stale
  }, MARK_REFRESH_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await refreshing;
    await client.deleteManifest(leasesRepo(ns), digest).catch(() => undefined);
  };
}

/** The board of a registry store: what builders (leases.ts withLease, OciStore.put) take and poll. */
export class RegistryLeases implements LeaseBoard {
  /** Each look is a listing and a manifest per mark: a fleet waiting for gc asks twice a second each. */
  readonly pollMs = 500;

  constructor(
    private readonly client: RegistryClient,
    private readonly ns: string,
  ) {}

  async take(keys: readonly string[], stems: readonly string[] = []): Promise<() => Promise<void>> {
    const { tag, body } = fresh('lease', keys, stems);
    const digest = await put(this.client, this.ns, tag, body);
    // A lease that cannot be deleted (deletes disabled) ends with its day: never a failed build.
    return async () => void (await this.client.deleteManifest(leasesRepo(this.ns), digest).catch(() => undefined));
  }

  async collecting(): Promise<boolean> {
    const now = Date.now();
    return (await readRegistryLeases(this.client, this.ns, true)).some((m) => standingLease(m, now));
  }

  /** The registry's build record, not the local cache: that is what gc removes. */
  async has(key: string): Promise<boolean> {
    return (await this.client.findManifest(buildsRepo(this.ns), key, [MediaType.ociManifest])) !== undefined;
  }
}
