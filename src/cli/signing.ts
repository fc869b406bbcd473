/**
 * Where the CLI's signing key and trust list come from, and the store that signs what it
 * writes. The key: `--key FILE`, else $BALE_SIGNING_KEY; the trust list: every .pub in
 * $XDG_CONFIG_HOME/bale/trusted/ plus `--trust FILE`s, plus the signing key's own public half
 * (what you sign yourself you trust).
 */
import { basename } from 'node:path';
import type { BuildClaim } from '../attest/index.js';
import { UserError } from '../errors/index.js';
import type { PublicKey, SecretKey } from '../sign/index.js';
import { inputFile } from './flags.js';
import { defaultPaths } from './paths.js';
import {
  openStoreAt,
  packageFiles,
  packageStem,
  type BuildFacts,
  type Store,
  type StoreOptions,
  type StoredPackage,
} from '../store/index.js';

export interface SigningFlags {
  key?: string;
  trust?: string[];
}

/** `--key` (checked as it was parsed), else $BALE_SIGNING_KEY, checked here: only commands that sign look at it. */
export function keyFile(flags: SigningFlags, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flags.key !== undefined && flags.key !== '') return flags.key;
  const f = env['BALE_SIGNING_KEY'];
  return f === undefined || f === ''
    ? undefined
    : inputFile('BALE_SIGNING_KEY', f, 'create one with bale keygen --out PREFIX, or unset it');
}

/** Loaded once per file and process: an encrypted key costs seconds of scrypt, and one command asks several times. */
const loaded = new Map<string, Promise<SecretKey>>();

export async function signingKey(flags: SigningFlags): Promise<SecretKey | undefined> {
  const file = keyFile(flags);
  if (file === undefined) return undefined;
  let key = loaded.get(file);
  if (key === undefined) {
    key = import('../sign/index.js').then((m) => m.loadSecretKey(file));
    key.catch(() => loaded.delete(file));
    loaded.set(file, key);
  }
  return key;
}

export async function requireSigningKey(flags: SigningFlags, what: string): Promise<SecretKey> {
  const key = await signingKey(flags);
  if (key === undefined) {
    throw new UserError(
      'ENOKEY',
      `${what} needs a signing key: pass --key FILE or set BALE_SIGNING_KEY (create one with bale keygen --out ~/keys/me)`,
    );
  }
  return key;
}

export async function trustList(flags: SigningFlags): Promise<PublicKey[]> {
  const { loadTrustList } = await import('../sign/index.js');
  const keys = await loadTrustList({ trustFiles: flags.trust ?? [] });
  const own = await signingKey(flags);
  return own === undefined ? keys : [...keys, { keyId: own.keyId, key: own.publicKey }];
}

/** What this builder states about one package of a build: the statement an attestation signs. */
export function claimFor(facts: BuildFacts, p: Pick<StoredPackage, 'file' | 'sha256'>): BuildClaim {
  const d = facts.description;
  return {
    buildKey: d.build_key,
    packageFile: basename(p.file),
    sha256: p.sha256,
    recipe: { purl: d.purl, digest: d.recipe_digest },
    target: d.interpreter === null ? null : { kind: d.interpreter.kind, version: d.interpreter.version },
    sources: d.sources,
    inputs: d.inputs.map((i) => ({
      name: basename(packageFiles(packageStem(i.name, i.version, i.sha256)).tgz),
      sha256: i.sha256,
      buildKey: i.build_key,
    })),
    baleVersion: d.bale,
    startedOn: facts.startedOn,
    finishedOn: facts.finishedOn,
  };
}

/**
 * Store options that sign every package written and attest every build (`<file>.intoto.jsonl`),
 * when a key is configured.
 */
export async function signingStoreOptions(flags: SigningFlags): Promise<StoreOptions> {
  const key = await signingKey(flags);
  if (key === undefined) return {};
  const { signFile } = await import('../sign/index.js');
  const { addToBundle, attestBuild, bundleFileFor } = await import('../attest/index.js');
  return {
    onPackage: async (file) => void (await signFile(file, key)),
    onBuild: async (packages, facts) => {
      for (const p of packages) await addToBundle(bundleFileFor(p.file), [attestBuild(claimFor(facts, p), key)]);
    },
  };
}

/** The store at `location` (a directory or `oci://…`; a registry store keeps its local copy under `cacheDir`). */
export async function openStore(location: string, flags: SigningFlags, cacheDir: string = defaultPaths().cache): Promise<Store> {
  return openStoreAt(location, { cacheDir, storeOptions: await signingStoreOptions(flags) });
}
