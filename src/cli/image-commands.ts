/**
 * Keys, signatures and images: `keygen`, `sign`, `verify`, `image compose`, `image export`.
 * An image is composed from specs (built like `request` when missing, into a staging store that
 * reaches the store only once the image composes) or from package names in the store, checked
 * for conflicts, written canonically and signed; export refuses any image or
 * package whose signature is missing or does not verify against the trust list. `--require N`
 * (verify, export, pull) adds the attestation policy (policy.ts, src/attest/gate.ts).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, UserError } from '../errors/index.js';
import type { PackageVerdict } from '../attest/index.js';
import type { ImageFile, ResolvedPackage } from '../image/types.js';
import type { Store } from '../store/index.js';
import { checkOutputDir, checkOutputFile, writeFileAtomic } from '../util/atomic-write.js';
import { staged } from './commands.js';
import type { Env } from './env.js';
import { registryUrl } from './flags.js';
import { printJson, say, tell } from './output.js';
import { rootPackages } from './roots.js';
import { enforceLocal, isPackageFile, localPackages, policyKeys } from './policy.js';
import { openStore, requireSigningKey, trustList } from './signing.js';
import { targetsFailed } from './targets.js';

/** A policy's outcome for --json: per package, the trusted builders that agree. */
function policyJson(
  require: number,
  verdicts: readonly PackageVerdict[],
): { require: number; packages: { package: string; agreed: string[] }[] } {
  return { require, packages: verdicts.map((v) => ({ package: v.label, agreed: v.result.agreed })) };
}

export async function cmdKeygen(o: { out?: string }, env: Env): Promise<void> {
  if (o.out === undefined) throw new UsageError('bale keygen: say where: --out PREFIX (writes PREFIX.key and PREFIX.pub)');
  const { keygen } = await import('../sign/index.js');
  const k = await keygen(resolve(o.out)); // creates the directory itself, 0700, and words its errors
  if (env.opts.json) printJson(k);
  else
    say(
      `public key ${k.publicFile} (id ${k.keyId})\nsecret key ${k.secretFile} (keep it private; export BALE_SIGNING_KEY=${k.secretFile})`,
    );
}

export async function cmdSign(files: string[], env: Env): Promise<void> {
  const key = await requireSigningKey(env.opts, 'bale sign');
  const { signFile } = await import('../sign/index.js');
  const signed = [];
  for (const f of files) signed.push(await signFile(resolve(f), key));
  if (env.opts.json) printJson({ signatures: signed });
  else for (const s of signed) say(s);
}

export async function cmdVerify(files: string[], o: { require?: number }, env: Env): Promise<void> {
  const { verifyFile } = await import('../sign/index.js');
  const keys = o.require === undefined ? await trustList(env.opts) : await policyKeys(env, o.require, 'bale verify');
  const out: { file: string; keyId: string; policy?: ReturnType<typeof policyJson> }[] = [];
  for (const f of files) {
    // With a policy, what the file names is found first: a bad target is a usage error before any check.
    const local = o.require === undefined ? undefined : await localPackages(f, env, 'bale verify');
    const v = { file: resolve(f), ...(await verifyFile(resolve(f), keys)) };
    if (local === undefined || o.require === undefined) {
      out.push(v);
      continue;
    }
    // The policy covers the file's packages: the file itself, or an image file's packages in --store.
    if (!isPackageFile(v.file)) for (const p of local.packages) await verifyFile(p.file, keys);
    const verdicts = await enforceLocal(v.file, local.packages, keys, o.require);
    out.push({ ...v, policy: policyJson(o.require, verdicts) });
  }
  if (env.opts.json) printJson({ verified: out });
  else
    for (const v of out)
      say(
        `ok ${v.file} (key ${v.keyId})${v.policy !== undefined ? `, ${v.policy.packages.length} packages attested by ${o.require}+ trusted builders` : ''}`,
      );
}

export interface ComposeFlags {
  base?: string;
  name?: string;
  tag?: string;
  output?: string;
  unsigned?: boolean;
  /** OSV advisories: refuse a composed package one affects (or warn, with allowVulnerable). */
  osv?: string;
  allowVulnerable?: boolean;
}

/** Every package signed: missing signatures are added with `key`, existing ones must verify. */
async function signPackages(packages: ResolvedPackage[], env: Env): Promise<void> {
  const key = await requireSigningKey(env.opts, 'bale image compose');
  const { signFile, SIG_SUFFIX, verifyFile } = await import('../sign/index.js');
  const keys = await trustList(env.opts);
  for (const p of packages) {
    if (existsSync(p.file + SIG_SUFFIX)) await verifyFile(p.file, keys);
    else await signFile(p.file, key);
  }
}

export async function cmdImageCompose(args: string[], o: ComposeFlags, env: Env): Promise<void> {
  if (o.name === undefined || o.tag === undefined || o.output === undefined) {
    throw new UsageError('bale image compose: needs --name NAME, --tag TAG and -o FILE (e.g. --name app --tag 1 -o app.image.toml)');
  }
  const out = resolve(o.output);
  const { SIG_SUFFIX, signFile } = await import('../sign/index.js');
  // Before any build: the outputs must be (or become) regular files.
  await checkOutputFile(out, { label: `-o ${o.output}`, usage: true });
  if (o.unsigned !== true) await checkOutputFile(out + SIG_SUFFIX);
  if (o.unsigned !== true) await requireSigningKey(env.opts, 'bale image compose'); // before any build
  if (o.allowVulnerable === true && o.osv === undefined)
    throw new UsageError('bale image compose: --allow-vulnerable goes with --osv DIR|all.zip (the advisories to check against)');
  // Before any build: bad advisories are found before minutes of work.
  const advisories = o.osv === undefined ? undefined : await (await import('../audit/index.js')).loadAdvisories(resolve(o.osv), tell);
  const { closure, imageOf } = await import('../image/compose.js');
  const { formatImageFile, parseImageFile } = await import('../image/image-file.js');
  if (o.base !== undefined) (await import('../image/base.js')).checkBase(o.base);
  const store = await openStore(env.opts.store, env.opts, env.paths.cache);
  // Built into a staging store, moved into the store only once the image composes (see staging.ts).
  const { value: composed } = await staged(store, env, 'compose-', async (staging) => {
    const { roots, runtimeDebs, resolved, failures } = await rootPackages(args, env, staging);
    let packages = await closure(roots, staging);
    if (o.base !== undefined) {
      // What the packages need to run: requested like them, joined to the same closure and checks.
      const { baseSpecs } = await import('../image/base.js');
      const { parseNodeList } = await import('../interpreters/node-request.js');
      const asked = env.opts.node !== undefined ? parseNodeList(env.opts.node)[0] : undefined;
      const specs = baseSpecs({
        packages,
        runtimeDebs,
        defaultNode: asked === undefined || asked === 'current' ? process.versions.node : asked,
      });
      const base = await rootPackages(specs, env, staging);
      resolved.push(...base.resolved);
      failures.push(...base.failures);
      const { pythonOf, pythonSiteBridge } = await import('../image/base.js');
      const py = pythonOf(packages);
      const glue = py === undefined ? [] : await staging.importPackages([await pythonSiteBridge(py)]);
      packages = await closure([...roots, ...base.roots, ...glue], staging);
    }
    const image = imageOf(o.name!, o.tag!, packages);
    if (advisories !== undefined) {
      const { gateComposed } = await import('../audit/compose-gate.js');
      const composed = packages.map((p) => ({ name: p.name, version: p.version, purl: p.purl, depends: p.manifest.depends }));
      const { advisoryNamesOf } = await import('../audit/advisory-names.js');
      const names = await advisoryNamesOf(
        composed.map((p) => p.purl),
        (line) => tell(`bale: warning: ${line}`),
      );
      gateComposed(`${o.name}:${o.tag}`, composed, advisories.index, o.allowVulnerable === true, tell, names);
    }
    const text = formatImageFile(image);
    parseImageFile(text, `--name ${o.name} --tag ${o.tag}`); // the name and tag must make a valid file
    return { value: { image, text, failures }, resolved };
  });
  const { image, text, failures } = composed;
  // The packages as the store holds them now (staged ones were committed to it).
  const { resolveImage } = await import('../image/compose.js');
  const packages = await resolveImage(image, store, `--name ${o.name} --tag ${o.tag}`);
  if (o.unsigned !== true) await signPackages(packages, env);
  await writeFileAtomic(out, text, { label: `-o ${o.output}` });
  let signature: string | undefined;
  if (o.unsigned !== true) signature = await signFile(out, await requireSigningKey(env.opts, 'bale image compose'));
  if (env.opts.json)
    printJson({ image: out, signature: signature ?? null, name: image.name, tag: image.tag, packages: image.packages, failures });
  else say(`${out}: ${image.name}:${image.tag}, ${image.packages.length} packages${signature ? `, signed (${signature})` : ', unsigned'}`);
  if (failures.length > 0) throw targetsFailed(failures, true); // --keep-going: the image holds what built
}

export interface ExportFlags {
  oci?: string;
  rootfs?: string;
  sbom?: string;
  verify?: boolean;
  require?: number;
}

/**
 * The image (and its file's text) with its packages from the store, every signature checked unless
 * --no-verify; with `require`, every package also passes the attestation policy (bundles beside them).
 */
export async function verifiedImage(
  file: string,
  env: Env,
  verify: boolean,
  require?: number,
): Promise<{ image: ImageFile; text: string; packages: ResolvedPackage[]; store: Store }> {
  const { readImageFile } = await import('../image/image-file.js');
  const { resolveImage } = await import('../image/compose.js');
  const { verifyFile } = await import('../sign/index.js');
  const store = await openStore(env.opts.store, env.opts); // first: a bad --store is a usage error before any read
  const { image, text } = await readImageFile(file);
  const keys = require !== undefined ? await policyKeys(env, require, 'bale image export') : verify ? await trustList(env.opts) : [];
  if (verify) await verifyFile(file, keys);
  const packages = await resolveImage(image, store, file);
  if (verify) for (const p of packages) await verifyFile(p.file, keys);
  if (require !== undefined)
    await enforceLocal(
      file,
      packages.map((p) => ({ ...p, store })),
      keys,
      require,
    );
  return { image, text, packages, store };
}

export async function cmdImageExport(file: string, o: ExportFlags, env: Env): Promise<void> {
  if (o.oci === undefined && o.rootfs === undefined)
    throw new UsageError('bale image export: say what to write: --oci DIR and/or --rootfs FILE');
  // The SBOM goes beside what was exported (or where --sbom says).
  const sbom = resolve(o.sbom ?? `${o.oci ?? o.rootfs}.spdx.json`);
  // Every output checked before anything is read or written: a device, fifo or link there is refused, untouched.
  if (o.oci !== undefined) await checkOutputDir(resolve(o.oci), { label: `--oci ${o.oci}`, usage: true });
  if (o.rootfs !== undefined) await checkOutputFile(resolve(o.rootfs), { label: `--rootfs ${o.rootfs}`, usage: true });
  await checkOutputFile(sbom, o.sbom !== undefined ? { label: `--sbom ${o.sbom}`, usage: true } : { label: sbom });
  if (o.require !== undefined && o.verify === false)
    throw new UsageError('bale image export: --require checks signatures and attestations; it cannot go with --no-verify');
  const { image, packages } = await verifiedImage(resolve(file), env, o.verify !== false, o.require);
  const { exportOciLayout, exportRootfs, spdxSbom } = await import('../image/export/index.js');
  const result: Record<string, unknown> = {};
  if (o.oci !== undefined)
    result['oci'] = { dir: resolve(o.oci), ...(await exportOciLayout(image, packages, resolve(o.oci), { label: `--oci ${o.oci}` })) };
  if (o.rootfs !== undefined)
    result['rootfs'] = { file: resolve(o.rootfs), ...(await exportRootfs(packages, resolve(o.rootfs), { label: `--rootfs ${o.rootfs}` })) };
  await writeFileAtomic(sbom, spdxSbom(image, packages), { label: o.sbom !== undefined ? `--sbom ${o.sbom}` : sbom });
  result['sbom'] = sbom;
  if (env.opts.json) printJson(result);
  else for (const [k, v] of Object.entries(result)) say(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
}

export async function cmdPush(file: string, o: { to?: string; verify?: boolean }, env: Env): Promise<void> {
  if (o.to === undefined) throw new UsageError('bale push: say where: --to oci://HOST[:PORT]/NAMESPACE');
  const { parseRegistryUrl, RegistryClient } = await import('../registry/index.js');
  const target = parseRegistryUrl(o.to);
  const imageFile = resolve(file);
  const { image, text, packages, store } = await verifiedImage(imageFile, env, o.verify !== false);
  // An image is pushed signed, even with --no-verify (pull needs its signature; its packages' are optional).
  const { readSignature, SIG_SUFFIX } = await import('../sign/index.js');
  const sig = await readSignature(imageFile);
  if (sig === undefined)
    throw new UserError(
      'ENOSIG',
      `${imageFile}: no signature (${imageFile}${SIG_SUFFIX}): sign it with bale sign, or compose it with a key`,
    );
  const { pushImage } = await import('../image/registry/push.js');
  const client = new RegistryClient(target.registry);
  try {
    const r = await pushImage(client, target.namespace, image, text, sig, packages, store);
    if (env.opts.json) printJson(r);
    else say(`pushed ${target.registry.host}/${r.repository}:${r.tag} (${r.digest}), ${r.packages} packages`);
  } finally {
    await client.close();
  }
}

export async function cmdPull(ref: string, o: { verify?: boolean; output?: string; require?: number }, env: Env): Promise<void> {
  const { parseImageRef, RegistryClient } = await import('../registry/index.js');
  const parsed = parseImageRef(ref);
  const { SIG_SUFFIX } = await import('../sign/index.js');
  if (o.output !== undefined) {
    // Before anything is fetched: the outputs must be (or become) regular files.
    await checkOutputFile(resolve(o.output), { label: `-o ${o.output}`, usage: true });
    await checkOutputFile(resolve(o.output) + SIG_SUFFIX);
  }
  const { openStoreAt } = await import('../store/open.js');
  const store = await openStoreAt(env.opts.store, { cacheDir: env.paths.cache }); // no signer: pulled packages keep their publisher's signatures
  // --require implies --verify: a policy over signatures nobody checked would mean nothing.
  const keys =
    o.require !== undefined ? await policyKeys(env, o.require, 'bale pull') : o.verify === true ? await trustList(env.opts) : undefined;
  const { pullImage } = await import('../image/registry/pull.js');
  const client = new RegistryClient(parsed.registry);
  try {
    const r = await pullImage(client, parsed, store, keys, { require: o.require });
    const out = resolve(o.output ?? `${r.image.name.replace(/\//g, '-')}-${r.image.tag}.image.toml`);
    await writeFileAtomic(out, r.imageText, { label: o.output !== undefined ? `-o ${o.output}` : out });
    await writeFileAtomic(out + SIG_SUFFIX, r.imageSig);
    if (env.opts.json)
      printJson({
        image: out,
        digest: r.digest,
        verified: keys !== undefined,
        packages: r.packages.map((p) => ({ name: p.name, version: p.version, sha256: p.sha256, file: p.file })),
        present: r.present,
        ...(o.require !== undefined ? { policy: policyJson(o.require, r.verdicts) } : {}),
      });
    else
      say(
        `${out}: ${r.image.name}:${r.image.tag} (${r.digest}), ${r.packages.length} packages (${r.present} already in the store)${keys !== undefined ? ', signatures verified' : ''}${o.require !== undefined ? `, each attested by ${o.require}+ trusted builders` : ''}`,
      );
  } finally {
    await client.close();
  }
}

export async function cmdWhoUses(what: string, o: { registry?: string; count?: boolean }, env: Env): Promise<void> {
  // `--registry` is also the global npm registry flag: commander hands it to whichever parsed it.
  // Here it is the OCI registry to search, checked as one (everywhere else, as the npm registry).
  const registry = o.registry ?? env.opts.registry;
  if (registry === undefined) throw new UsageError('bale who-uses: say which registry: --registry oci://HOST[:PORT]/NAMESPACE');
  registryUrl('--registry', registry);
  const { parseRegistryUrl, RegistryClient } = await import('../registry/index.js');
  const target = parseRegistryUrl(registry);
  const { orderOfUses, usesQuery } = await import('../image/registry/uses-query.js');
  const query = await usesQuery(what);
  const { countByVersion, whoUses } = await import('../image/registry/who-uses.js');
  const client = new RegistryClient(target.registry);
  try {
    // Through the index cached by manifest digest: every tag is resolved again, so it is never stale.
    const uses = await whoUses(client, target.namespace, query.match, {
      cacheDir: env.paths.cache,
      warn: (line) => env.progress.log(`warning: ${line}`),
    });
    if (o.count === true) {
      const counts = countByVersion(uses, query.order ?? (await orderOfUses(uses)));
      if (env.opts.json) printJson({ package: what, counts });
      else if (counts.length === 0) say(`no image under ${registry} holds ${what}`);
      else {
        const width = Math.max('version'.length, ...counts.map((c) => c.version.length));
        say(`${'version'.padEnd(width)}  images`);
        for (const c of counts) say(`${c.version.padEnd(width)}  ${c.images}`);
      }
    } else if (env.opts.json) printJson({ uses });
    else if (uses.length === 0) say(`no image under ${registry} holds ${what}`);
    else for (const u of uses) say(`${u.image}  ${u.package} ${u.version}`);
  } finally {
    await client.close();
  }
}
