/**
 * `--require N` on local packages (`verify`, `image export`): each package's own bytes hashed,
 * its build key from the description beside it, its attestations from the bundle beside it; the
 * image (or file list) refused in one line when any package fails. And the packages a target
 * names, for `verify` and `attestations`: a package file in a store, or an image file over --store.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FoundEnvelope, PackageEvidence, PackageVerdict } from '../attest/index.js';
import { UsageError, UserError } from '../errors/index.js';
import type { PublicKey } from '../sign/index.js';
import type { Store, StoredPackage } from '../store/index.js';
import type { Env } from './env.js';
import { openStore } from './signing.js';

/** A package and the store holding its description and bundle. */
export interface LocalPackage extends Pick<StoredPackage, 'name' | 'version' | 'sha256' | 'file'> {
  store: Store;
}

async function fileSha256(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

/** What a local package's policy is decided on: its bytes' sha256, its build key, its bundle. */
export async function localEvidence(p: LocalPackage, hash = true): Promise<PackageEvidence> {
  const { bundleFileFor, readBundle } = await import('../attest/index.js');
  const bundle = bundleFileFor(p.file);
  const envelopes: FoundEnvelope[] = (await readBundle(bundle)).map((envelope, i) => ({ source: `${bundle}:${i + 1}`, envelope }));
  return {
    label: `${p.name} ${p.version}`,
    // The bytes on disk, not the name they are filed under: a replaced archive must not pass.
    sha256: hash ? await fileSha256(p.file) : p.sha256,
    buildKey: (await p.store.buildOf(p))?.description.build_key,
    envelopes,
  };
}

/** Decide every package; throw one EPOLICY line naming `where` when any fails. */
export async function enforceLocal(
  where: string,
  packages: readonly LocalPackage[],
  keys: readonly PublicKey[],
  require: number,
): Promise<PackageVerdict[]> {
  const { judgePackage, policyFailure } = await import('../attest/index.js');
  const verdicts: PackageVerdict[] = [];
  for (const p of packages) verdicts.push(judgePackage(await localEvidence(p), keys, require));
  const refused = policyFailure(where, verdicts);
  if (refused !== undefined) throw refused;
  return verdicts;
}

/** The package `file` names, in the store it lies in (`<store>/packages/<stem>.tar.gz`). */
export async function packageInItsStore(file: string, what: string, command: string): Promise<LocalPackage> {
  if (basename(dirname(file)) !== 'packages')
    throw new UsageError(`${command}: ${what} is not a package in a bale store (<store>/packages/<name>-<version>-<sha12>.tar.gz)`);
  const { LocalStore } = await import('../store/index.js');
  const store = new LocalStore(dirname(dirname(file)));
  const p = (await store.list()).find((x) => x.file === file);
  if (p === undefined) throw new UserError('ENOPACKAGE', `${what}: its store holds no manifest or checksum of it: pull or build it again`);
  return { ...p, store };
}

export const isPackageFile = (file: string): boolean => file.endsWith('.tar.gz');

/** The packages of a local target: a package file in its store, or an image file's packages in --store. */
export async function localPackages(what: string, env: Env, command: string): Promise<{ file: string; packages: LocalPackage[] }> {
  const file = resolve(what);
  if (!existsSync(file) || !statSync(file).isFile())
    throw new UsageError(`${command}: ${what} is not a file (give a package file, an image file or an oci:// image)`);
  if (isPackageFile(file)) return { file, packages: [await packageInItsStore(file, what, command)] };
  const store = await openStore(env.opts.store, env.opts, env.paths.cache);
  const { readImageFile } = await import('../image/image-file.js');
  const { resolveImage } = await import('../image/compose.js');
  const { image } = await readImageFile(file);
  const packages = (await resolveImage(image, store, file)).map((p) => ({
    name: p.name,
    version: p.version,
    sha256: p.sha256,
    file: p.file,
    store,
  }));
  return { file, packages };
}

/** The trust list for `--require n`: refused at once when it cannot hold n distinct builders. */
export async function policyKeys(env: Env, require: number, command: string): Promise<PublicKey[]> {
  const { trustList } = await import('./signing.js');
  const { keyIdHex } = await import('../sign/index.js');
  const keys = await trustList(env.opts);
  const distinct = new Set(keys.map((k) => keyIdHex(k))).size;
  if (distinct < require) {
    throw new UsageError(
      `${command} --require ${require}: the trust list holds ${distinct} key${distinct === 1 ? '' : 's'}, so ${require} trusted builders can never agree: add --trust FILE or .pub files in $XDG_CONFIG_HOME/bale/trusted/`,
    );
  }
  return keys;
}
