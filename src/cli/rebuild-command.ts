/**
 * `bale rebuild <oci://…/NAME:TAG | image file | package file | name@version>`: rebuild packages
 * from the descriptions and recipes they carry, in a fresh store, and say per package whether
 * the bytes are the same. With --key the rebuilt packages are attested (a mismatch attests its
 * own sha256, so a disagreement is on record): into the bundle beside a local package, and with
 * --push as an attestation attached to the registry's package.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError, UserError } from '../errors/index.js';
import type { Outcome, Original } from '../rebuild/rebuild.js';
import { reportLine, toReport, type RebuildReport } from '../rebuild/report.js';
import type { PackageManifest } from '../packer/index.js';
import type { Store, StoredPackage } from '../store/index.js';
import { makeScratch, type Scratch } from '../util/scratch.js';
import type { Env } from './env.js';
import { printJson, say } from './output.js';
import { openStore, signingKey, signingStoreOptions } from './signing.js';

export interface RebuildFlags {
  push?: boolean;
  diff?: boolean;
  /** Rebuild on the worker fleet behind this Redis (true: $BALE_REDIS_URL). */
  queue?: string | true;
}

/** A package to rebuild: its manifest (for a mismatch) and, when it is here, its archive (for --diff and the bundle beside it). */
interface Target extends Original {
  manifest: () => Promise<PackageManifest>;
  file: string | undefined;
}

/** Where the packages came from: a registry (the --push destination) or local files. */
interface Source {
  targets: Target[];
  registry?: { client: import('../registry/index.js').RegistryClient; ns: string };
  scratch?: Scratch;
}

async function withBuilds(store: Store, packages: StoredPackage[]): Promise<Target[]> {
  return Promise.all(packages.map(async (p) => ({ ...p, build: await store.buildOf(p), manifest: () => store.manifest(p) })));
}

/** The packages `what` names, each with its build description. */
async function sourceOf(what: string, env: Env, diff: boolean): Promise<Source> {
  const { LocalStore } = await import('../store/index.js');
  if (what.startsWith('oci://')) {
    const { parseImageRef, RegistryClient } = await import('../registry/index.js');
    const ref = parseImageRef(what);
    const client = new RegistryClient(ref.registry);
    // Theirs, from the registry alone: nothing of this machine's store can stand in for them.
    const scratch = await makeScratch(join(env.paths.cache, 'tmp'), 'rebuild-theirs-');
    const { remotePackages } = await import('../rebuild/from-registry.js');
    const { ns, packages } = await remotePackages(client, ref, { archives: diff, dir: scratch.dir });
    const targets = packages.map((p) => ({ ...p, manifest: async () => p.manifest }));
    return { targets, registry: { client, ns }, scratch };
  }
  const file = resolve(what);
  if (existsSync(file) && statSync(file).isFile() && file.endsWith('.tar.gz')) {
    if (basename(dirname(file)) !== 'packages') {
      throw new UsageError(`bale rebuild: ${what} is not a package in a bale store (<store>/packages/<name>-<version>-<sha12>.tar.gz)`);
    }
    const store = new LocalStore(dirname(dirname(file)));
    const p = (await store.list()).find((x) => x.file === file);
    if (p === undefined)
      throw new UserError('EREBUILD', `${what}: its store holds no manifest or checksum of it: it cannot be rebuilt from there`);
    return { targets: await withBuilds(store, [p]) };
  }
  const store = await openStore(env.opts.store, env.opts, env.paths.cache);
  if (existsSync(file) && statSync(file).isFile()) {
    const { readImageFile } = await import('../image/image-file.js');
    const { resolveImage } = await import('../image/compose.js');
    const { image } = await readImageFile(file);
    const packages = (await resolveImage(image, store, file)).map((p) => ({ ...p, size: 0, manifestFile: manifestFileOf(p.file) }));
    return { targets: await withBuilds(store, packages) };
  }
  const at = what.lastIndexOf('@');
  if (at <= 0) throw new UsageError(`bale rebuild: ${what} is not an oci:// image, an image file, a package file or name@version`);
  const found = await store.findPackages(what.slice(0, at), what.slice(at + 1));
  if (found.length === 0) throw new UserError('EREBUILD', `${what}: ${store.location} holds no such package: pull or build it first`);
  return { targets: await withBuilds(store, found) };
}

/** Every target's packages, each once; an oci:// image is rebuilt on its own (it names the --push destination). */
async function sourcesOf(whats: string[], env: Env, diff: boolean): Promise<Source> {
  if (whats.length > 1 && whats.some((w) => w.startsWith('oci://'))) {
    throw new UsageError('bale rebuild: an oci:// image is rebuilt on its own: give it as the only target');
  }
  if (whats.length === 1) return sourceOf(whats[0]!, env, diff);
  const seen = new Set<string>();
  const targets: Target[] = [];
  for (const w of whats) {
    for (const t of (await sourceOf(w, env, diff)).targets) {
      const id = t.file ?? t.sha256;
      if (seen.has(id)) continue;
      seen.add(id);
      targets.push(t);
    }
  }
  return { targets };
}

export async function cmdRebuild(whats: string[], o: RebuildFlags, env: Env): Promise<void> {
  if (o.queue !== undefined) return rebuildViaQueue(whats, o, env, o.queue);
  const key = await signingKey(env.opts);
  if (o.push === true && key === undefined) throw new UsageError('bale rebuild --push: attesting needs a signing key: pass --key FILE');
  const what = whats.length === 1 ? whats[0]! : `${whats.length} targets`;
  const source = await sourcesOf(whats, env, o.diff === true);
  if (o.push === true && source.registry === undefined) throw new UsageError('bale rebuild --push: only an oci:// image can be pushed to');
  const ours = await makeScratch(join(env.paths.cache, 'tmp'), 'rebuild-ours-');
  try {
    const { LocalStore } = await import('../store/index.js');
    const store = new LocalStore(ours.dir, await signingStoreOptions(env.opts));
    const { rebuild } = await import('../rebuild/rebuild.js');
    env.progress.phase('rebuilding', source.targets.length);
    const outcomes = await rebuild(source.targets, {
      store,
      cacheDir: env.paths.cache,
      jobs: env.opts.jobs,
      sandbox: env.opts.sandbox,
      directAsRoot: env.opts.iKnow,
      ...(env.opts.buildTimeoutMs !== undefined ? { limits: { timeoutMs: env.opts.buildTimeoutMs } } : {}),
      warn: (l) => env.progress.log(`warning: ${l}`),
    });
    env.progress.stop();
    const details = await explain(outcomes, store, o);
    if (key !== undefined) await recordAttestations(outcomes, source, o.push === true);
    printReports(
      what,
      outcomes.map((x, i) => toReport(x, details[i])),
      env,
    );
  } finally {
    await ours.remove();
    await source.scratch?.remove();
    await source.registry?.client.close();
  }
}

/** For each mismatch: the files that differ (from the two manifests), and diffoscope's report with --diff. */
async function explain(outcomes: Outcome[], store: Store, o: RebuildFlags): Promise<string[][]> {
  const { comparePackages, formatDifferences } = await import('../rebuild/compare.js');
  const { runDiffoscope } = await import('../rebuild/diffoscope.js');
  return Promise.all(
    outcomes.map(async (x) => {
      if (x.kind !== 'mismatch') return [];
      const t = x.original as Target;
      const theirs = await t.manifest();
      const mine = await store.manifest(x.rebuilt);
      const lines = formatDifferences(
        comparePackages({ sha256: t.sha256, manifest: theirs }, { sha256: x.rebuilt.sha256, manifest: mine }),
      );
      if (o.diff === true) {
        const report = t.file === undefined ? '(--diff: their archive is not here)' : await runDiffoscope(t.file, x.rebuilt.file);
        lines.push(...(report === undefined ? ['(--diff: diffoscope is not installed)'] : report.trimEnd().split('\n')));
      }
      return lines;
    }),
  );
}

const manifestFileOf = (file: string): string => file.replace(/\.tar\.gz$/, '.manifest.json');

/** Our attestations of what we rebuilt: beside local originals, or attached in the registry with --push. */
async function recordAttestations(outcomes: Outcome[], source: Source, push: boolean): Promise<void> {
  const { addToLocal, attachToRegistry } = await import('../rebuild/attach.js');
  for (const x of outcomes) {
    if (x.kind === 'failed') continue;
    const { registry } = source;
    if (registry !== undefined) {
      if (push) await attachToRegistry(registry.client, registry.ns, x.original, x.rebuilt.file);
    } else {
      const theirs = (x.original as Target).file;
      if (theirs !== undefined) await addToLocal(theirs, x.rebuilt.file);
    }
  }
}

/** Per package a line (and its differences), then a summary; any package not reproduced fails the command. */
export function printReports(what: string, reports: RebuildReport[], env: Env): void {
  if (env.opts.json) printJson({ packages: reports });
  else {
    for (const r of reports) {
      say(reportLine(r));
      for (const d of r.differences ?? []) say(`  ${d}`);
    }
  }
  const bad = reports.filter((r) => r.result !== 'reproduced');
  if (!env.opts.json) say(`${reports.length - bad.length} of ${reports.length} packages rebuilt byte for byte`);
  if (bad.length === 0) return;
  const mism = bad.filter((r) => r.result === 'mismatch').length;
  throw new UserError(
    'EREBUILD',
    `${what}: ${mism} package${mism === 1 ? '' : 's'} rebuilt to different bytes (MISMATCH), ${bad.length - mism} could not be rebuilt; first: ${reportLine(bad[0]!)}`,
  );
}

/**
 * One rebuild job per package of an oci:// image, for the fleet's workers; their reports printed
 * as an in-process rebuild prints its own. The workers' keys attest (--push needs them to have one).
 */
async function rebuildViaQueue(whats: string[], o: RebuildFlags, env: Env, queue: string | true): Promise<void> {
  if (whats.length !== 1 || !whats[0]!.startsWith('oci://')) {
    throw new UsageError('bale rebuild --queue: workers rebuild from a registry: give one oci:// image');
  }
  if (o.diff === true) throw new UsageError('bale rebuild --queue: --diff needs both archives here: rebuild in-process for it');
  const { producerFor } = await import('./queue-commands.js');
  const { producer, close } = await producerFor('--queue', queue === true ? undefined : queue, env);
  const source = await sourceOf(whats[0]!, env, false);
  try {
    const { registry } = source;
    const where = `oci://${registry!.client.host}${registry!.ns === '' ? '' : `/${registry!.ns}`}`;
    const items = source.targets.map((t) => ({
      registry: where,
      name: t.name,
      version: t.version,
      sha256: t.sha256,
      push: o.push === true,
    }));
    const jobs = await producer.enqueueRebuilds(items);
    env.progress.phase('rebuilding on the fleet', items.length);
    const reports = await producer.waitForRebuilds(jobs, items, (done, total) => env.progress.update(done, total));
    env.progress.stop();
    printReports(
      whats[0]!,
      reports.map(({ attached: _, ...r }) => r),
      env,
    );
  } finally {
    await source.scratch?.remove();
    await source.registry?.client.close();
    await close();
  }
}
