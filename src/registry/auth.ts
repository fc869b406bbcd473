/**
 * Registry authentication, as docker and the OCI registries do it: ask anonymously first; a 401
 * says how to authenticate (WWW-Authenticate). `Bearer realm=…,service=…,scope=…` means fetch a
 * token from the realm (anonymously, or with basic credentials) and ask again with it; `Basic`
 * means send the credentials with every request. Credentials come from BALE_REGISTRY_USER and
 * BALE_REGISTRY_PASSWORD (or the client's options).
 */
import { UserError } from '../errors/index.js';
import { parseJson } from './replies.js';
import * as z from '../util/zod.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface Challenge {
  /** Lowercase: `bearer`, `basic`. */
  scheme: string;
  params: Record<string, string>;
}

/** The raw answer of a GET, as the transport hands it over. */
export interface TokenReply {
  status: number;
  body: Buffer;
}

export type TokenGet = (url: string, headers: Record<string, string>) => Promise<TokenReply>;

export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const username = env.BALE_REGISTRY_USER ?? '';
  const password = env.BALE_REGISTRY_PASSWORD ?? '';
  if (username === '' && password === '') return undefined;
  if (username === '' || password === '') {
    throw new UserError(
      'EREGISTRYAUTH',
      `only one of BALE_REGISTRY_USER and BALE_REGISTRY_PASSWORD is set: set both, or neither for anonymous access`,
    );
  }
  return { username, password };
}

/** Parse WWW-Authenticate (RFC 7235): schemes, each with `name=value` or `name="quoted"` params. */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const text = Array.isArray(header) ? header.join(', ') : (header ?? '');
  const out: Challenge[] = [];
  const token = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
  let i = 0;
  const skip = (): void => {
    while (i < text.length && /[\s,]/.test(text[i] as string)) i++;
  };
  for (skip(); i < text.length; skip()) {
    token.lastIndex = i;
    const m = token.exec(text);
    if (m === null) break; // malformed: keep what was read
    i = token.lastIndex;
    let j = i;
    while (text[j] === ' ') j++;
    if (text[j] !== '=' || out.length === 0) {
      out.push({ scheme: m[0].toLowerCase(), params: {} });
      continue;
    }
    // name=value of the current challenge
    i = j + 1;
    while (text[i] === ' ') i++;
    let value = '';
    if (text[i] === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\') i++;
        value += text[i] ?? '';
      }
      i++;
    } else {
      // Unquoted: RFC 7235 says token, but realms like https://… are sent bare too; read to the comma.
      for (; i < text.length && !/[\s,]/.test(text[i] as string); i++) value += text[i];
    }
    (out[out.length - 1] as Challenge).params[m[0].toLowerCase()] = value;
  }
  return out;
}

/** One line for a 401/403: what was refused, and what the user can do about it. */
export function refusedMessage(host: string, subject: string, status: number, creds: Credentials | undefined): string {
  const why = status === 403 ? '403 denied' : '401 unauthorized';
  if (creds === undefined) return `registry ${host} refused ${subject}: ${why}: set BALE_REGISTRY_USER and BALE_REGISTRY_PASSWORD`;
  return `registry ${host} refused ${subject} for user ${creds.username}: ${why}: check BALE_REGISTRY_USER, BALE_REGISTRY_PASSWORD and that user's permissions`;
}

const tokenSchema = z.looseObject({
  token: z.optional(z.string().check(z.minLength(1))),
  access_token: z.optional(z.string().check(z.minLength(1))),
  expires_in: z.optional(z.number().check(z.gt(0))),
});

interface Token {
  value: string;
  expiresAt: number;
}

/** How to authenticate to one registry; tokens are cached per set of scopes. */
export class RegistryAuth {
  private basic = false;
  private bearer: { realm: string; service: string | undefined } | undefined;
  private readonly tokens = new Map<string, Token>();
  /** Scopes a challenge asked for beyond ours (e.g. a registry naming its own), per scope key. */
  private readonly extraScopes = new Map<string, string>();

  constructor(
    private readonly host: string,
    private readonly creds: Credentials | undefined,
    private readonly get: TokenGet,
  ) {}

  /** The Authorization header for a request needing `scopes`, once the registry has said how. */
  async header(scopes: string[], subject: string): Promise<string | undefined> {
    if (this.basic && this.creds !== undefined) return basicHeader(this.creds);
    if (this.bearer === undefined) return undefined;
    const key = scopes.join(' ');
    const cached = this.tokens.get(key);
    if (cached !== undefined && cached.expiresAt > Date.now()) return `Bearer ${cached.value}`;
    const token = await this.fetchToken(scopes, subject);
    this.tokens.set(key, token);
    return `Bearer ${token.value}`;
  }

  /** After a 401: learn the registry's scheme; false when there is nothing new to try. The transport calls it at most once per request. */
  challenged(header: string | string[] | undefined, scopes: string[]): boolean {
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm !== undefined);
    if (bearer !== undefined) {
      const key = scopes.join(' ');
      this.bearer = { realm: bearer.params.realm as string, service: bearer.params.service };
      const scope = bearer.params.scope;
      if (scope !== undefined && !scopes.includes(scope)) this.extraScopes.set(key, scope);
      // Even a token we had is worth one renewal (it may have expired early); the transport asks once per request.
      this.tokens.delete(key);
      return true;
    }
    if (challenges.some((c) => c.scheme === 'basic') && this.creds !== undefined && !this.basic) {
      this.basic = true;
      return true;
    }
    return false;
  }

  private async fetchToken(scopes: string[], subject: string): Promise<Token> {
    const { realm, service } = this.bearer as { realm: string; service: string | undefined };
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new UserError(
        'EREGISTRYAUTH',
        `registry ${this.host} names a token server that is not a URL (${realm}): check the registry URL`,
      );
    }
    if (service !== undefined) url.searchParams.set('service', service);
    const extra = this.extraScopes.get(scopes.join(' '));
    for (const s of extra === undefined ? scopes : [...scopes, extra]) url.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    if (this.creds !== undefined) headers.authorization = basicHeader(this.creds);
    const reply = await this.get(url.href, headers);
    if (reply.status === 401 || reply.status === 403) {
      throw new UserError('EREGISTRYAUTH', refusedMessage(this.host, subject, reply.status, this.creds));
    }
    if (reply.status < 200 || reply.status >= 300) {
      throw new UserError(
        'EREGISTRYAUTH',
        `registry ${this.host}: token server ${url.origin} answered HTTP ${reply.status} for ${subject}: check the registry URL and credentials`,
      );
    }
    const body = parseJson(reply.body, tokenSchema, `registry ${this.host}: token server ${url.origin}`, 'a token');
    const value = body.token ?? body.access_token;
    if (value === undefined) {
      throw new UserError(
        'EREGISTRYREPLY',
        `registry ${this.host}: token server ${url.origin} answered without a token: check the registry URL`,
      );
    }
    // Renew a little early so a token does not expire between here and the request.
    const seconds = body.expires_in ?? 60;
    return { value, expiresAt: Date.now() + Math.max(1, seconds - 5) * 1000 };
  }
}

function basicHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}
