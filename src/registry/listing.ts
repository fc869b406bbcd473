/**
 * Paginated listings: a repository's tags and the registry's catalog. Pages are followed through
 * the `Link: <url>; rel="next"` header (RFC 5988) as the distribution spec says; registries that
 * ignore `n` (distribution 2.8 for tags) simply answer everything in one page.
 */
import * as z from '../util/zod.js';
import { UserError } from '../errors/index.js';
import { parseJson } from './replies.js';
import { header, type Call, type Reply, type Transport } from './transport.js';

export interface ListOptions {
  /** Entries asked for per page (`?n=`); default 1000. */
  pageSize?: number;
}

const tagsSchema = z.looseObject({ name: z.optional(z.string()), tags: z.optional(z.nullable(z.array(z.string()))) });
const catalogSchema = z.looseObject({ repositories: z.optional(z.nullable(z.array(z.string()))) });

/** Every tag, sorted; [] when the repository does not exist (404). */
export async function listTags(http: Transport, repo: string, opts: ListOptions = {}): Promise<string[]> {
  return (await findTags(http, repo, opts)) ?? [];
}

/** Every tag, sorted; undefined when the repository does not exist (404), which a caller may tell apart from no tags. */
export async function findTags(http: Transport, repo: string, opts: ListOptions = {}): Promise<string[] | undefined> {
  const base: Omit<Call, 'url'> = {
    method: 'GET',
    scopes: [`repository:${repo}:pull`],
    subject: `pull on ${repo}`,
    what: `tag listing of ${repo}`,
  };
  const pages = await paginate(http, base, `/v2/${repo}/tags/list?n=${opts.pageSize ?? 1000}`, true);
  if (pages === undefined) return undefined;
  return collect(
    pages,
    (reply) => parseJson(reply.body, tagsSchema, `registry ${http.opts.host}: tags of ${repo}`, 'a tag list').tags ?? [],
  );
}

/** Every repository (or, with `under`, those of that namespace), sorted. */
export async function listCatalog(http: Transport, opts: ListOptions & { under?: string } = {}): Promise<string[]> {
  const base: Omit<Call, 'url'> = {
    method: 'GET',
    scopes: ['registry:catalog:*'],
    subject: 'catalog listing',
    what: 'catalog listing',
  };
  const pages = await paginate(http, base, `/v2/_catalog?n=${opts.pageSize ?? 1000}`, false);
  const all = collect(
    pages,
    (reply) => parseJson(reply.body, catalogSchema, `registry ${http.opts.host}: catalog`, 'a repository list').repositories ?? [],
  );
  const ns = (opts.under ?? '').replace(/^\/+|\/+$/g, '');
  return ns === '' ? all : all.filter((r) => r === ns || r.startsWith(`${ns}/`));
}

/** The `rel="next"` target of a Link header, resolved against the page's URL. */
export function nextLink(value: string | undefined, pageUrl: string): string | undefined {
  if (value === undefined) return undefined;
  for (const part of value.split(',')) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m !== null && /;\s*rel="?next"?/i.test(m[2] ?? '')) return new URL(m[1] ?? '', pageUrl).href;
  }
  return undefined;
}

/** The pages of a listing; undefined when `emptyOn404` and the first page is a 404. */
async function paginate(http: Transport, base: Omit<Call, 'url'>, first: string, emptyOn404: true): Promise<Reply[] | undefined>;
async function paginate(http: Transport, base: Omit<Call, 'url'>, first: string, emptyOn404: false): Promise<Reply[]>;
async function paginate(http: Transport, base: Omit<Call, 'url'>, first: string, emptyOn404: boolean): Promise<Reply[] | undefined> {
  const pages: Reply[] = [];
  const seen = new Set<string>();
  for (let url: string | undefined = first; url !== undefined; ) {
    const call: Call = { ...base, url };
    const reply = await http.send(call);
    if (reply.status === 404 && emptyOn404 && pages.length === 0) return undefined;
    if (!emptyOn404 && (reply.status === 404 || reply.status === 405)) {
      throw new UserError(
        'EREGISTRY',
        `registry ${http.opts.host} does not offer the ${base.what} (HTTP ${reply.status}): use a registry with the /v2/_catalog API (distribution, zot, Harbor)`,
      );
    }
    if (reply.status !== 200) throw http.unexpected(reply, call);
    pages.push(reply);
    seen.add(reply.url);
    url = nextLink(header(reply, 'link'), reply.url);
    if (url !== undefined && seen.has(url)) {
      throw new UserError(
        'EREGISTRYREPLY',
        `registry ${http.opts.host}: the ${base.what} links back to a page already read (${url}): the registry's pagination is broken`,
      );
    }
  }
  return pages;
}

function collect(pages: Reply[], read: (reply: Reply) => string[]): string[] {
  return [...new Set(pages.flatMap(read))].sort();
}
