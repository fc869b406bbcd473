import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import ini from 'ini';

/** Options for pacote / npm-registry-fetch, read from npm's own configuration. */
export type NpmOptions = Record<string, unknown> & { registry: string };

const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

/** npm expands ${VAR} in .npmrc values; a missing variable stays literal, as npm leaves it. */
function expandEnv(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/(\\*)\$\{([^}]+)\}/g, (whole, slashes: string, name: string) =>
    slashes.length % 2 === 1 ? whole.slice(1) : `${slashes}${env[name] ?? whole.slice(slashes.length)}`,
  );
}

function readIni(file: string, env: NodeJS.ProcessEnv): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ini.parse(text))) {
    if (typeof v === 'string') out[k] = expandEnv(v, env);
    else if (typeof v === 'boolean' || typeof v === 'number') out[k] = String(v);
  }
  return out;
}

/** npm_config_foo_bar=1 -> foo-bar (npm treats _ and - alike in env keys). */
function fromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    const m = /^npm_config_(.+)$/i.exec(k);
    if (m && v !== undefined && v !== '') {
      const key = m[1]!.toLowerCase();
      out[key.startsWith('//') || key.includes(':') ? key : key.replace(/_/g, '-')] = v;
    }
  }
  return out;
}

/**
 * The registry configuration npm itself would use: builtin < global npmrc < user ~/.npmrc <
 * project ./.npmrc < npm_config_* environment. Only what fetching needs is passed on:
 * registries (also per scope), auth for them, TLS and proxy settings.
 */
export function loadNpmOptions(opts: { cwd?: string; env?: NodeJS.ProcessEnv; registry?: string } = {}): NpmOptions {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const envCfg = fromEnv(env);
  const prefix = envCfg.prefix ?? dirname(dirname(process.execPath));
  const globalFile = envCfg.globalconfig ?? join(prefix, 'etc', 'npmrc');
  const userFile = envCfg.userconfig ?? join(env.HOME ?? homedir(), '.npmrc');
  const merged: Record<string, string> = {
    ...readIni(globalFile, env),
    ...readIni(userFile, env),
    ...readIni(join(cwd, '.npmrc'), env),
    ...envCfg,
  };
  const out: NpmOptions = { registry: DEFAULT_REGISTRY };
  for (const [k, v] of Object.entries(merged)) {
    if (k === 'registry' || k.endsWith(':registry')) out[k] = v.endsWith('/') ? v : `${v}/`;
    else if (k.startsWith('//')) out[k] = v;
    else if (k === 'cafile') {
      try {
        out.ca = readFileSync(v, 'utf8');
      } catch {
        /* npm ignores an unreadable cafile too */
      }
    } else if (k === 'ca' || k === 'proxy' || k === 'https-proxy' || k === 'noproxy') {
      out[k === 'https-proxy' ? 'httpsProxy' : k === 'noproxy' ? 'noProxy' : k] = v;
    } else if (k === 'strict-ssl') out.strictSSL = v !== 'false';
  }
  if (opts.registry !== undefined) out.registry = opts.registry.endsWith('/') ? opts.registry : `${opts.registry}/`;
  return out;
}

/** The registry a package name is fetched from: its scope's registry if configured, else the default. */
export function registryFor(name: string, o: NpmOptions): string {
  if (name.startsWith('@')) {
    const scoped = o[`${name.split('/')[0]}:registry`];
    if (typeof scoped === 'string') return scoped;
  }
  return o.registry;
}
