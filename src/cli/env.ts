/**
 * What every command is given (the global options, the default paths, the progress display), and
 * what those options say for one ecosystem: its index, its interpreter matrix, the targets asked
 * for. Shared by the in-process commands (commands.ts) and the fleet's (queue-commands.ts); each
 * ecosystem's descriptor (src/ecosystems) says which option is its.
 */
import { ecosystem } from '../ecosystems/index.js';
import type { TargetRequest } from '../builder/types.js';
import { parseNodeList } from '../interpreters/node-request.js';
import { parsePythonList } from '../interpreters/python-request.js';
import { parseRubyList } from '../interpreters/ruby.js';
import type { Ecosystem } from '../purl/purl.js';
import { httpUrl } from './flags.js';
import type { Paths } from './paths.js';
import type { Progress } from './progress.js';

export interface GlobalOptions {
  /** The recipes tree (absolute): checked when first read, a usage error naming --recipes or BALE_RECIPES. */
  recipes: string;
  /** A store directory (absolute) or `oci://` URL: checked when first read, like `recipes`. */
  store: string;
  registry?: string;
  indexUrl?: string;
  source?: string;
  ruby?: string;
  overrides?: string;
  node?: string;
  python?: string;
  jobs: number;
  json: boolean;
  /** Signing key file (`--key`, else $BALE_SIGNING_KEY): every package stored is signed. */
  key?: string;
  /** More trusted public keys (`--trust FILE`, repeatable). */
  trust?: string[];
  sandbox: 'auto' | 'bubblewrap' | 'direct';
  /** `--i-know`: the direct runner may run builds as root. */
  iKnow: boolean;
  /** `--build-timeout`: wall time of a build command for recipes without their own `[build.limits] timeout`. */
  buildTimeoutMs?: number;
  /** `--keep-going`: keep what resolved and built when some targets fail (see targets.ts). @defaultValue false: all or nothing */
  keepGoing?: boolean;
}

/** The options of the fleet's commands. */
export interface QueueFlags {
  /** `--redis`: where the fleet's Redis is (unset: $BALE_REDIS_URL). */
  redis?: string;
}

export interface Env {
  opts: GlobalOptions;
  /** The defaults; `cache` is checked when first read (XDG_CACHE_HOME must name a directory). */
  paths: Paths;
  progress: Progress;
}

/**
 * The index URL given for an ecosystem, if any. Most index options were checked as they were
 * parsed; one the descriptor marks `checkOnUse` is checked here, where it is that index
 * (`--registry`: `who-uses` reads the same flag as an OCI registry, and checks it as one).
 */
export function indexOf(eco: Ecosystem, o: GlobalOptions): string | undefined {
  const index = ecosystem(eco).index;
  const url = index === undefined ? undefined : o[index.option];
  if (index?.checkOnUse !== undefined && url !== undefined) httpUrl(index.checkOnUse.flag, url, index.checkOnUse.example);
  return url;
}

/** The interpreters an import of one ecosystem resolves for, from the option its matrix is listed in; undefined: not given, or it has none. */
export function matrixOf(eco: Ecosystem, o: GlobalOptions): string[] | undefined {
  const option = ecosystem(eco).matrix?.option;
  return option === undefined || o[option] === undefined ? undefined : targetRequest(o)[option];
}

/** The interpreters asked for, from the flags (the same for an in-process build and a queued one). */
export function targetRequest(o: GlobalOptions): TargetRequest {
  return {
    node: o.node !== undefined ? parseNodeList(o.node) : [],
    python: o.python !== undefined ? parsePythonList(o.python) : [],
    ruby: o.ruby !== undefined ? parseRubyList(o.ruby) : [],
  };
}
