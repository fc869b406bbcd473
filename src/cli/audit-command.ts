/**
 * `bale audit --osv PATH`: which images hold a package an OSV advisory affects, and the upgrade
 * that fixes each. Images come from image files (offline; the store, when it holds their packages,
 * says which roots bring a vulnerable package in) or a registry namespace (`--registry`, `--image`).
 * Exit 1 (EVULNERABLE) when anything is affected, so a CI step can gate on it.
 */
import { resolve } from 'node:path';
import { UsageError, UserError } from '../errors/index.js';
import type { AuditTarget } from '../audit/index.js';
import type { DependsMemo } from '../audit/targets.js';
import type { Env } from './env.js';
import { registryUrl } from './flags.js';
import { printJson, say, tell } from './output.js';

export interface AuditFlags {
  osv?: string;
  registry?: string;
  image?: string;
}

export async function cmdAudit(files: string[], o: AuditFlags, env: Env): Promise<void> {
  if (o.osv === undefined) throw new UsageError('bale audit: say where the advisories are: --osv DIR|all.zip');
  // `--registry` is also the global npm registry flag: commander hands it to whichever parsed it (see who-uses).
  const registry = o.registry ?? (env.opts.registry?.startsWith('oci://') === true ? env.opts.registry : undefined);
  if (registry !== undefined && files.length > 0)
    throw new UsageError('bale audit: give image files or --registry oci://HOST[:PORT]/NAMESPACE, not both');
  if (registry === undefined && files.length === 0)
    throw new UsageError('bale audit: say which images: image files (app.image.toml) or --registry oci://HOST[:PORT]/NAMESPACE');
  if (o.image !== undefined && registry === undefined) throw new UsageError('bale audit: --image NAME:TAG needs --registry');
  if (o.image !== undefined && !/^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(o.image))
    throw new UsageError(`bale audit: --image ${o.image}: expected NAME:TAG under the namespace, e.g. app:1`);
  if (registry !== undefined) registryUrl('--registry', registry);
  const { loadAdvisories, auditImage, auditJson, auditText } = await import('../audit/index.js');
  const advisories = await loadAdvisories(resolve(o.osv), tell);
  const { imageFileTarget, registryTargets } = await import('../audit/targets.js');
  let targets: AuditTarget[];
  if (registry !== undefined) {
    const { parseRegistryUrl, RegistryClient } = await import('../registry/index.js');
    const target = parseRegistryUrl(registry);
    const client = new RegistryClient(target.registry);
    try {
      // Through the index cached by manifest digest (every tag resolved again, so never stale).
      targets = await registryTargets(client, target.namespace, o.image, { cacheDir: env.paths.cache, warn: tell });
    } finally {
      await client.close();
    }
    if (o.image !== undefined && targets.length === 0)
      throw new UserError('ENOTFOUND', `bale audit: no bale image ${o.image} under ${registry}: name one that bale push wrote`);
  } else {
    const { isRegistryStore, openStoreAt } = await import('../store/open.js');
    // Offline: only a local store is read for depends.
    const store = isRegistryStore(env.opts.store) ? undefined : await openStoreAt(env.opts.store, { cacheDir: env.paths.cache });
    targets = [];
    const memo: DependsMemo = new Map();
    for (const f of files) targets.push(await imageFileTarget(resolve(f), store, memo));
  }
  const { advisoryNamesOf } = await import('../audit/advisory-names.js');
  const names = await advisoryNamesOf(
    targets.flatMap((t) => t.packages.flatMap((p) => (p.purl === undefined ? [] : [p.purl]))),
    (line) => tell(`bale: warning: ${line}`),
  );
  const images = targets.map((t) => auditImage(t, advisories.index, names));
  const summary = { images, read: advisories.read, index: advisories.index.stats };
  if (env.opts.json) printJson(auditJson(summary));
  else for (const line of auditText(summary)) say(line);
  const affected = images.filter((i) => i.affected.length > 0);
  if (affected.length > 0) {
    const n = new Set(affected.flatMap((i) => i.affected.flatMap((a) => a.advisories.map((f) => f.id)))).size;
    throw new UserError(
      'EVULNERABLE',
      `${affected.length} of ${images.length} image(s) hold packages ${n} advisor${n === 1 ? 'y affects' : 'ies affect'}: upgrade them as listed and compose again`,
    );
  }
}
