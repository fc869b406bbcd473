// The functions used, not all of semver: this module loads on every build (~25 ms less).
import major from 'semver/functions/major.js';
import prerelease from 'semver/functions/prerelease.js';
import valid from 'semver/functions/valid.js';
import maxSatisfying from 'semver/ranges/max-satisfying.js';
import { UserError } from '../errors/index.js';

/** What the user asked for with --node: pure decisions about it live here. */
export type NodeRequest = { kind: 'current' } | { kind: 'major'; major: number } | { kind: 'exact'; version: string; major: number };

const MAJOR = /^(0|[1-9]\d*)$/;
const EXACT = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** 'current', '22', '22.11.0' (a leading 'v' is tolerated); anything else is a user error. */
export function parseNodeRequest(request: string): NodeRequest {
  const r = request.trim().replace(/^v(?=\d)/, '');
  if (r === 'current') return { kind: 'current' };
  if (MAJOR.test(r)) return { kind: 'major', major: Number(r) };
  if (EXACT.test(r)) return { kind: 'exact', version: r, major: major(r) };
  throw new UserError('ENODE', `bad Node version ${JSON.stringify(request)}: use current, a major (22) or an exact version (22.11.0)`);
}

/** The canonical spelling of a request, as used in specs and lists. */
export function formatNodeRequest(req: NodeRequest): string {
  return req.kind === 'current' ? 'current' : req.kind === 'major' ? String(req.major) : req.version;
}

/** "--node 20,22" -> ["20", "22"]: trimmed, canonical, duplicates dropped, order kept. */
export function parseNodeList(flag: string): string[] {
  const items = flag.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) {
    throw new UserError('ENODE', `bad --node list ${JSON.stringify(flag)}: give comma-separated versions, e.g. --node 20,22`);
  }
  return [...new Set(items.map((s) => formatNodeRequest(parseNodeRequest(s))))];
}

/** The running node serves 'current', its own major, and its own exact version. */
export function servedByRunning(req: NodeRequest, runningVersion: string): boolean {
  if (req.kind === 'current') return true;
  if (req.kind === 'major') return req.major === major(runningVersion);
  return req.version === runningVersion;
}

/** Release majors among published versions (prereleases and odd tags like 4.1.0-pkg1 ignored), ascending. */
export function availableMajors(versions: string[]): number[] {
  const majors = new Set(versions.filter((v) => valid(v) && !prerelease(v)).map((v) => major(v)));
  return [...majors].sort((a, b) => a - b);
}

/** The newest release of one major among versions, if any. */
export function newestOfMajor(versions: string[], major: number): string | undefined {
  return (
    maxSatisfying(
      versions.filter((v) => valid(v) && !prerelease(v)),
      `${major}.x`,
    ) ?? undefined
  );
}
