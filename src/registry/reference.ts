/**
 * `oci://` references: bale's registry URL (`oci://HOST[:PORT]/NAMESPACE`) and image references
 * (`oci://HOST[:PORT]/REPO:TAG`, `oci://HOST[:PORT]/REPO@sha256:HEX`).
 *
 * Scheme: loopback hosts (127.0.0.0/8, localhost, ::1) are spoken to over plain http, every other
 * host over https, unless plain http is forced with the `insecure` option or the environment
 * variable BALE_REGISTRY_INSECURE=1 (for a registry on a private network without TLS).
 */
import { UserError } from '../errors/index.js';

/** A registry's address, as written: `host` keeps the port (`127.0.0.1:5000`, `[::1]:5000`). */
export interface RegistryLocation {
  host: string;
  hostname: string;
  port: number | undefined;
}

/** bale's registry URL: where a namespace of repositories lives. */
export interface RegistryUrl {
  registry: RegistryLocation;
  /** Repository path prefix without slashes at either end; '' for the registry's root. */
  namespace: string;
}

export interface ImageRef {
  registry: RegistryLocation;
  /** e.g. `bale/app` */
  repository: string;
  tag: string | undefined;
  /** e.g. `sha256:…`; wins over the tag when both are given. */
  digest: string | undefined;
}

// Grammar of the OCI distribution spec (repository components, tags) and of digests.
const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const HOSTNAME = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;

export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

export function isTag(s: string): boolean {
  return TAG.test(s);
}

export function isRepository(s: string): boolean {
  return s.length > 0 && s.length <= 255 && s.split('/').every((c) => COMPONENT.test(c));
}

/** `oci://127.0.0.1:5000/bale` → registry + namespace `bale`. */
export function parseRegistryUrl(text: string): RegistryUrl {
  const { registry, path } = splitUrl(text, 'registry URL', 'oci://127.0.0.1:5000/bale');
  const namespace = path.replace(/\/+$/, '');
  if (namespace !== '' && !isRepository(namespace)) {
    throw new UserError(
      'EREGISTRYURL',
      `${text}: "${namespace}" is not a valid registry namespace (lowercase letters, digits, . _ - separated by /): fix the registry URL`,
    );
  }
  return { registry, namespace };
}

/** `oci://127.0.0.1:5000/bale/app:1` or `…/bale/app@sha256:…`; a tag or a digest is required. */
export function parseImageRef(text: string): ImageRef {
  const example = 'oci://127.0.0.1:5000/bale/app:1';
  const { registry, path } = splitUrl(text, 'image reference', example);
  let rest = path;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) {
      throw new UserError('EIMAGEREF', `${text}: "${digest}" is not a digest (sha256:<64 hex>): fix the image reference`);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isTag(tag)) {
      throw new UserError(
        'EIMAGEREF',
        `${text}: "${tag}" is not a valid tag (letters, digits, . _ -, at most 128): fix the image reference`,
      );
    }
  }
  if (!isRepository(rest)) {
    throw new UserError(
      'EIMAGEREF',
      `${text}: "${rest}" is not a valid repository name (lowercase letters, digits, . _ - separated by /): fix the image reference`,
    );
  }
  if (tag === undefined && digest === undefined) {
    throw new UserError('EIMAGEREF', `${text}: names no tag or digest: write it as ${example} or …@sha256:<digest>`);
  }
  return { registry, repository: rest, tag, digest };
}

/** The tag or digest to ask the registry for (the digest when both are known). */
export function referenceOf(ref: ImageRef): string {
  return ref.digest ?? (ref.tag as string);
}

export function formatImageRef(ref: ImageRef): string {
  const tag = ref.tag !== undefined ? `:${ref.tag}` : '';
  const digest = ref.digest !== undefined ? `@${ref.digest}` : '';
  return `oci://${ref.registry.host}/${ref.repository}${tag}${digest}`;
}

export interface SchemeOptions {
  /** Force plain http for every host (default: BALE_REGISTRY_INSECURE from `env`). */
  insecure?: boolean;
  env?: NodeJS.ProcessEnv;
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export function insecureFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.BALE_REGISTRY_INSECURE ?? '').trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
}

/** `http://127.0.0.1:5000` or `https://ghcr.io`: the origin the registry API lives under. */
export function registryOrigin(reg: RegistryLocation, opts: SchemeOptions = {}): string {
  const insecure = opts.insecure ?? insecureFromEnv(opts.env);
  const scheme = insecure || isLoopback(reg.hostname) ? 'http' : 'https';
  return `${scheme}://${reg.host}`;
}

function splitUrl(text: string, kind: string, example: string): { registry: RegistryLocation; path: string } {
  if (!text.startsWith('oci://')) {
    throw new UserError('EREGISTRYURL', `${text}: a ${kind} starts with oci:// (e.g. ${example}): fix the ${kind}`);
  }
  const body = text.slice('oci://'.length);
  const slash = body.indexOf('/');
  const host = slash < 0 ? body : body.slice(0, slash);
  const path = slash < 0 ? '' : body.slice(slash + 1);
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(host);
  const hostname = m?.[1]?.replace(/^\[(.*)\]$/, '$1');
  const port = m?.[2] !== undefined ? Number(m[2]) : undefined;
  const validName = hostname !== undefined && (m?.[1]?.startsWith('[') || HOSTNAME.test(hostname));
  if (!validName || (port !== undefined && (port < 1 || port > 65535))) {
    throw new UserError('EREGISTRYURL', `${text}: "${host}" is not a registry host[:port] (e.g. ${example}): fix the ${kind}`);
  }
  if (kind === 'image reference' && path === '') {
    throw new UserError('EIMAGEREF', `${text}: names no repository (e.g. ${example}): fix the ${kind}`);
  }
  return { registry: { host: host.toLowerCase(), hostname: hostname.toLowerCase(), port }, path };
}
