import { normalizePypiName } from '../../src/purl/purl.js';
import { parseSdistFilename, parseWheelFilename } from './filenames.js';
import type { WheelName } from './filenames.js';
import type { DistFile, ProjectFiles } from './index-types.js';
import { pickWheel } from './tags.js';
import type { TagTarget } from './tags.js';
import { compareVersions, isValidVersion } from './versions.js';

/** Every file of one version of a project, wheels parsed. */
export interface Release {
  version: string;
  wheels: { file: DistFile; wheel: WheelName }[];
  sdist: DistFile | undefined;
  /** PEP 592: only when every file of the release is yanked. */
  yanked: boolean;
}

/** The one file a target installs from a release. */
export interface ChosenDist {
  file: DistFile;
  kind: 'wheel' | 'sdist';
}

/**
 * Group a project's files into releases, newest first. Files whose names do not parse (eggs,
 * .exe installers) or name another project (a wheel or sdist whose name part does not normalize to
 * `project`) are ignored, as pip ignores them: a PEP 503 page has no normative project name, so
 * its files' names are what says whose they are.
 */
export function releasesOf(pf: ProjectFiles, project: string): Release[] {
  const byVersion = new Map<string, Release>();
  const releaseFor = (version: string): Release => {
    // One release per version value: "1.0" and "1.0.0" are the same version to PEP 440.
    const key = [...byVersion.keys()].find((k) => compareVersions(k, version) === 0) ?? version;
    let r = byVersion.get(key);
    if (r === undefined) {
      r = { version: key, wheels: [], sdist: undefined, yanked: true };
      byVersion.set(key, r);
    }
    return r;
  };
  for (const file of pf.files) {
    if (file.filename.endsWith('.whl')) {
      let wheel: WheelName;
      try {
        wheel = parseWheelFilename(file.filename);
      } catch {
        continue;
      }
      if (!isValidVersion(wheel.version) || normalizePypiName(wheel.distribution) !== normalizePypiName(project)) continue;
      const r = releaseFor(wheel.version);
      r.wheels.push({ file, wheel });
      if (file.yanked === false) r.yanked = false;
      continue;
    }
    const sdist = parseSdistFilename(file.filename, project);
    if (sdist === undefined || !isValidVersion(sdist.version)) continue;
    const r = releaseFor(sdist.version);
    // Prefer .tar.gz over .zip when a release has both (PEP 625's format).
    if (r.sdist === undefined || (sdist.format === 'tar.gz' && !r.sdist.filename.endsWith('.tar.gz'))) r.sdist = file;
    if (file.yanked === false) r.yanked = false;
  }
  return [...byVersion.values()].sort((a, b) => compareVersions(b.version, a.version));
}

/** A compatible wheel by tag where one exists, else the sdist; undefined when neither fits. */
export function chooseDist(r: Release, tags: TagTarget): ChosenDist | undefined {
  const wheel = pickWheel(r.wheels, tags);
  if (wheel !== undefined) return { file: wheel.file, kind: 'wheel' };
  return r.sdist === undefined ? undefined : { file: r.sdist, kind: 'sdist' };
}
