/**
 * bale's PEP 508 / 440 / 425 code against pypa/packaging (the oracle pip vendors), over every wheel
 * of a real index: wheel file names, Requires-Python, each Requires-Dist (name, extras, marker for
 * no extra and each provided extra, specifier against every version the index has of that
 * dependency), version order per project, and the wheel chosen per release. Prints each
 * disagreement; exits 1 if any. Needs a python with `packaging` (>= 22).
 *
 *   node dist/test/bench/pypi-metadata-oracle.js [--index /opt/pypi,/opt/pypi-more] [--python python3.11]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { parseWheelFilename } from '../../importers/pypi/filenames.js';
import { markerEnv } from '../../importers/pypi/environment.js';
import { evaluateMarker } from '../../importers/pypi/markers.js';
import { parseRequirement } from '../../importers/pypi/requirement.js';
import { pickWheel } from '../../importers/pypi/tags.js';
import { requiresPythonAllows, satisfies, sortVersions } from '../../importers/pypi/versions.js';

const { values: opt } = parseArgs({
  options: { index: { type: 'string', default: '/opt/pypi,/opt/pypi-more' }, python: { type: 'string', default: 'python3.11' } },
});

// What packaging says, for the interpreter running this script (its marker env and sys_tags()).
const ORACLE = `
import email.parser, json, os, platform, sys, zipfile
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.markers import default_environment
from packaging.tags import sys_tags
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version
env = default_environment()
rank = {}
for i, t in enumerate(sys_tags()): rank.setdefault(str(t), i)
files, versions, releases = [], {}, {}
for d in sys.argv[1:]:
    for f in sorted(os.listdir(d)):
        if f.endswith('.whl'):
            n, v, b, ts = parse_wheel_filename(f)
            files.append(os.path.join(d, f))
            versions.setdefault(str(n), set()).add(f.split('-')[1])
            r = min((rank[str(t)] for t in ts if str(t) in rank), default=None)
            releases.setdefault(f'{n}=={v}', []).append((r, b, f))
def pick(fs):
    # pip: the best tag, then the highest build tag; bale adds the smallest name for a full tie
    ok = [x for x in fs if x[0] is not None]
    if not ok: return None
    best = min(r for r, _, _ in ok)
    top = max(b for r, b, _ in ok if r == best)
    return min(f for r, b, f in ok if r == best and b == top)
out = {'env': {k: env[k] for k in env}, 'order': {k: sorted(v, key=Version) for k, v in versions.items()},
       'releases': {k: {'files': [f for _, _, f in fs], 'pick': pick(fs)} for k, fs in releases.items()},
       'wheels': []}
for p in files:
    with zipfile.ZipFile(p) as z:
        md = [n for n in z.namelist() if n.endswith('.dist-info/METADATA') and n.count('/') == 1]
        msg = email.parser.Parser().parsestr(z.read(md[0]).decode('utf-8', 'replace'), headersonly=True)
    rp, extras = msg.get('Requires-Python'), [canonicalize_name(e) for e in (msg.get_all('Provides-Extra') or [])]
    w = {'file': os.path.basename(p), 'requiresPython': rp, 'reqs': []}
    if rp is not None:
        try: w['rpAllows'] = SpecifierSet(rp).contains(env['python_full_version'], prereleases=True)
        except Exception as e: w['rpError'] = str(e)
    for line in msg.get_all('Requires-Dist') or []:
        r = {'text': line}
        try:
            q = Requirement(line)
            r.update(name=canonicalize_name(q.name), extras=sorted(canonicalize_name(e) for e in q.extras))
            if q.marker is not None: r['marker'] = {e: q.marker.evaluate({**env, 'extra': e}) for e in [''] + extras}
            r['contains'] = {v: q.specifier.contains(v) for v in sorted(versions.get(r['name'], []))}
        except Exception as e:
            r['error'] = str(e)
        w['reqs'].append(r)
    out['wheels'].append(w)
print(json.dumps(out))
`;

interface Oracle {
  env: Record<string, string>;
  order: Record<string, string[]>;
  releases: Record<string, { files: string[]; pick: string | null }>;
  wheels: Array<{
    file: string;
    requiresPython: string | null;
    rpAllows?: boolean;
    rpError?: string;
    reqs: Array<{
      text: string;
      name?: string;
      extras?: string[];
      marker?: Record<string, boolean>;
      contains?: Record<string, boolean>;
      error?: string;
    }>;
  }>;
}

const dirs = opt.index!.split(',').map((d) => path.join(d, 'files'));
const o = JSON.parse((await execa(opt.python!, ['-c', ORACLE, ...dirs], { maxBuffer: 1 << 30 })).stdout) as Oracle;
const target = { version: o.env.python_version!, fullVersion: o.env.python_full_version! };
const env = markerEnv(target);
const glibc = (await execa(opt.python!, ['-c', 'import platform; print(platform.libc_ver()[1])'])).stdout.trim().split('.').map(Number) as [
  number,
  number,
];
const problems: string[] = [];
const check = (what: string, fn: () => void): void => {
  try {
    fn();
  } catch (e) {
    problems.push(`${what}: bale threw ${(e as Error).message}`);
  }
};
let reqs = 0;
for (const w of o.wheels) {
  check(w.file, () => parseWheelFilename(w.file));
  if (w.requiresPython !== null && w.rpError === undefined) {
    check(`${w.file} Requires-Python ${w.requiresPython}`, () => {
      if (requiresPythonAllows(w.requiresPython!, target) !== w.rpAllows)
        problems.push(`${w.file}: Requires-Python ${w.requiresPython}: packaging says ${w.rpAllows}`);
    });
  }
  for (const r of w.reqs) {
    reqs++;
    if (r.error !== undefined) continue;
    check(`${w.file} ${r.text}`, () => {
      const q = parseRequirement(r.text);
      if (q.normalized !== r.name || q.extras.join(',') !== r.extras!.join(','))
        problems.push(`${w.file}: ${r.text}: name/extras ${q.normalized}[${q.extras}]`);
      for (const [extra, want] of Object.entries(r.marker ?? {})) {
        if (evaluateMarker(q.marker!, env, new Set(extra === '' ? [] : [extra])) !== want)
          problems.push(`${w.file}: ${r.text} [extra=${extra}]: packaging says ${want}`);
      }
      for (const [v, want] of Object.entries(r.contains ?? {}))
        if (satisfies(v, q.specifier) !== want) problems.push(`${w.file}: ${r.text}: ${v} in it? packaging says ${want}`);
    });
  }
}
for (const [p, vs] of Object.entries(o.order))
  check(p, () => void (sortVersions(vs).join() !== vs.join() && problems.push(`${p}: version order ${sortVersions(vs).join(' ')}`)));
for (const [rel, g] of Object.entries(o.releases)) {
  const got =
    pickWheel(
      g.files.map((f) => ({ wheel: parseWheelFilename(f) })),
      { version: target.version, glibc, arch: 'x86_64' },
    )?.wheel.filename ?? null;
  if (got !== g.pick) problems.push(`${rel}: bale picks ${got}, pip ${g.pick}`);
}
for (const p of problems) console.log(p);
console.log(
  `${o.wheels.length} wheels, ${reqs} requirements, ${Object.keys(o.order).length} projects, ${Object.keys(o.releases).length} releases: ${problems.length} disagreements with packaging`,
);
process.exitCode = problems.length === 0 ? 0 : 1;
