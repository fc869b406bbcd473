/**
 * Rebuild jobs: a worker fleet that checks what a registry publishes, like rebuilderd. A job names
 * one package of a registry; the worker fetches its description and recipes (not its archive),
 * rebuilds it in a store of its own that starts empty, compares, and with `push` attaches its
 * attestation to the registry's package. A package that cannot be rebuilt is a result, not a
 * failed job: only faults (a registry down, a bug) fail and retry.
 */
import { join } from 'node:path';
import type { Job } from 'bullmq';
import type { Limits } from '../src/limits/index.js';
import { UserError } from '../src/errors/index.js';
import { parseRegistryUrl, RegistryClient } from '../src/registry/index.js';
import { attachToRegistry } from '../src/rebuild/attach.js';
import { comparePackages, formatDifferences } from '../src/rebuild/compare.js';
import { rebuild } from '../src/rebuild/rebuild.js';
import { toReport, type RebuildReport } from '../src/rebuild/report.js';
import { LocalStore, type StoreOptions } from '../src/store/index.js';
import { fetchPackage } from '../src/store/package-artifacts.js';
import { makeScratch } from '../src/util/scratch.js';
import { forQueue } from './jobs.js';

export interface RebuildJobData {
  /** `oci://HOST[:PORT]/NAMESPACE`: where the package and its description are. */
  registry: string;
  name: string;
  version: string;
  sha256: string;
  /** Attach our attestation to the registry's package (the worker needs a signing key). */
  push: boolean;
}

export interface RebuildResult extends RebuildReport {
  /** Attestations attached to the registry's package. */
  attached: number;
}

export interface RebuildDeps {
  cacheDir: string;
  /** The worker's signer, if it has a key: it attests what it rebuilds. */
  storeOptions?: StoreOptions;
  jobs: number;
  sandbox: 'auto' | 'bubblewrap' | 'direct';
  directAsRoot?: boolean;
  limits?: Partial<Limits>;
  warn: (line: string) => void;
}

export function rebuildProcessor(deps: RebuildDeps): (job: Job<RebuildJobData>) => Promise<RebuildResult> {
  return async (job) => {
    try {
      return await rebuildOne(job.data, deps);
    } catch (err) {
      throw forQueue(err);
    }
  };
}

async function rebuildOne(d: RebuildJobData, deps: RebuildDeps): Promise<RebuildResult> {
  const { registry, namespace } = parseRegistryUrl(d.registry);
  const client = new RegistryClient(registry);
  const scratch = await makeScratch(join(deps.cacheDir, 'tmp'), 'rebuild-job-');
  try {
    const theirs = await fetchPackage(client, namespace, d, { archive: false });
    const original = { name: d.name, version: d.version, sha256: d.sha256, build: theirs?.build };
    if (theirs === undefined) {
      return { ...toReport({ kind: 'failed', original, why: `${d.registry} holds no such package any more` }), attached: 0 };
    }
    const store = new LocalStore(scratch.dir, deps.storeOptions);
    const [outcome] = await rebuild([original], {
      store,
      cacheDir: deps.cacheDir,
      jobs: deps.jobs,
      sandbox: deps.sandbox,
      ...(deps.directAsRoot !== undefined ? { directAsRoot: deps.directAsRoot } : {}),
      ...(deps.limits !== undefined ? { limits: deps.limits } : {}),
      warn: deps.warn,
    });
    if (outcome!.kind === 'failed') return { ...toReport(outcome!), attached: 0 };
    const mine = await store.manifest(outcome!.rebuilt);
    const differences =
      outcome!.kind === 'mismatch'
        ? formatDifferences(
            comparePackages({ sha256: d.sha256, manifest: theirs.manifest }, { sha256: outcome!.rebuilt.sha256, manifest: mine }),
          )
        : [];
    let attached = 0;
    if (d.push) {
      attached = await attachToRegistry(client, namespace, d, outcome!.rebuilt.file);
      if (attached === 0)
        throw new UserError('EREBUILD', `rebuild --push of ${d.name} ${d.version}: this worker has no signing key: start it with --key`);
    }
    return { ...toReport(outcome!, differences), attached };
  } finally {
    await scratch.remove();
    await client.close();
  }
}
