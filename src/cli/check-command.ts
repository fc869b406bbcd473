/**
 * `--check oci://HOST[:PORT]/NAMESPACE` on `bale request` and `bale build`: the registry is read
 * before anything is built (a wrong or unreachable one fails fast), then every package of the run,
 * built or taken from the store, is compared with the registry's package for the same build key.
 * The registry is only read.
 */
import type { TaskResult } from '../builder/index.js';
import { TransientError, UsageError, UserError } from '../errors/index.js';
import type { Built, Checked, Registry } from '../rebuild/check.js';
import type { Store } from '../store/index.js';
import type { Env } from './env.js';
import { say } from './output.js';

export interface OpenCheck {
  /** The `oci://` URL as given, for messages. */
  url: string;
  registry: Registry;
  close(): Promise<void>;
}

/** The registry's location as `host/namespace`, so two spellings of one URL compare equal. */
async function place(url: string): Promise<string> {
  const { parseRegistryUrl } = await import('../registry/index.js');
  const u = parseRegistryUrl(url);
  return `${u.registry.host}/${u.namespace}`;
}

/** Open the registry --check names (listing its packages), refusing the --store registry itself. */
export async function openCheck(url: string, store: Store): Promise<OpenCheck> {
  if (store.location.startsWith('oci://') && (await place(store.location)) === (await place(url))) {
    throw new UsageError(
      `--check ${url} is the --store registry: every package of the run is already there, so the check would compare it with itself; build into a local --store and check against the registry`,
    );
  }
  const { parseRegistryUrl, RegistryClient } = await import('../registry/index.js');
  const { openRegistry } = await import('../rebuild/check.js');
  const u = parseRegistryUrl(url);
  const client = new RegistryClient(u.registry);
  try {
    return { url, registry: await openRegistry(client, u.namespace, url), close: () => client.close() };
  } catch (err) {
    await client.close();
    // Say which flag named the registry that failed (a retry later may pass: still transient).
    if (err instanceof TransientError)
      throw new TransientError(err.code, `--check ${url}: ${err.message}`, { cause: err, retryAfterMs: err.retryAfterMs });
    throw err;
  }
}

/** Each package of the run once (a build's packages may be listed by more than one result). */
async function builtOf(results: TaskResult[], store: Store): Promise<Built[]> {
  const seen = new Set<string>();
  const out: Built[] = [];
  for (const r of results) {
    for (const p of r.packages) {
      const id = `${r.task.key} ${p.sha256}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ name: p.name, version: p.version, sha256: p.sha256, buildKey: r.task.key, manifest: await store.manifest(p) });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
}

/** Compare the run's packages (as `store` holds them) with the registry's. */
export async function runCheck(open: OpenCheck, results: TaskResult[], store: Store, env: Env): Promise<Checked[]> {
  const { checkBuilt } = await import('../rebuild/check.js');
  env.progress.phase('checking', results.length);
  const checked = await checkBuilt(open.registry, await builtOf(results, store));
  env.progress.stop();
  return checked;
}

/** The lines a person reads: one per package, a mismatch's differing files under it, the summary. */
export async function printCheck(open: OpenCheck, checked: Checked[]): Promise<void> {
  const { checkLine, checkSummary } = await import('../rebuild/check.js');
  for (const c of checked) {
    say(checkLine(c));
    if (c.kind === 'mismatch') for (const d of c.differences) say(`  ${d}`);
  }
  say(`check against ${open.url}: ${checkSummary(checked)}`);
}

/**
 * After the report: a mismatch fails the command; packages the registry lacks are only noted
 * (nothing says the registry should hold them).
 */
export async function judgeCheck(open: OpenCheck, checked: Checked[], env: Env): Promise<void> {
  const { checkLine } = await import('../rebuild/check.js');
  const bad = checked.filter((c) => c.kind === 'mismatch');
  const absent = checked.filter((c) => c.kind === 'absent').length;
  if (bad.length > 0) {
    throw new UserError(
      'ECHECK',
      `--check ${open.url}: ${bad.length} package${bad.length === 1 ? '' : 's'} built here differ${bad.length === 1 ? 's' : ''} from the registry's for the same build key; first: ${checkLine(bad[0]!)}`,
    );
  }
  if (absent > 0 && !env.opts.json) {
    env.progress.log(
      `note: ${open.url} holds no package for the build keys of ${absent} of these packages: nothing to compare them with (the registry does not have them yet)`,
    );
  }
}
