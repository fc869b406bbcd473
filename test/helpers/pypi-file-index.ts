/**
 * The fixture index (pypi-index.ts) written to disk as a static PEP 503 tree, the way a mirror
 * made for `pip --index-url file:///...` looks: `simple/<project>/index.html` (the fixture's own
 * HTML pages, links relative or, on demand, absolute file:// URLs) and `files/<project>/<file>`
 * with its `.metadata` file where the fixture serves one.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startPypiIndex, type FixtureIndex } from './pypi-index.js';

export interface FileIndex {
  /** `file:///.../simple/`, with the trailing slash. */
  simpleUrl: string;
  /** The tree's root directory. */
  dir: string;
  /** The fixture it copies (its catalogue; its server is closed). */
  dists: FixtureIndex['dists'];
  /** Where a file lies in the tree, as a file:// URL. */
  fileUrl(project: string, filename: string): string;
}

/** Writes the fixture index under `dir`; `absolute`: links are file:// URLs instead of relative paths. */
export async function writeFileIndex(dir: string, opts: { absolute?: boolean } = {}): Promise<FileIndex> {
  const idx = await startPypiIndex();
  const root = pathToFileURL(`${dir}/`).href;
  try {
    for (const p of idx.dists.projects.values()) {
      const res = await fetch(`${idx.simpleUrl}${p.normalized}/`, { headers: { accept: 'text/html' } });
      if (!res.ok) throw new Error(`fixture index: ${p.normalized}: HTTP ${res.status}`);
      let html = await res.text();
      if (opts.absolute === true) html = html.replaceAll('href="../../files/', `href="${root}files/`);
      await mkdir(path.join(dir, 'simple', p.normalized), { recursive: true });
      await writeFile(path.join(dir, 'simple', p.normalized, 'index.html'), html);
      await mkdir(path.join(dir, 'files', p.normalized), { recursive: true });
      for (const f of p.files) {
        await copyFile(f.path, path.join(dir, 'files', p.normalized, f.filename));
        if (f.metadataFile !== undefined)
          await copyFile(`${f.path}.metadata`, path.join(dir, 'files', p.normalized, `${f.filename}.metadata`));
      }
    }
    return {
      simpleUrl: `${root}simple/`,
      dir,
      dists: idx.dists,
      fileUrl: (project, filename) => `${root}files/${project}/${encodeURIComponent(filename)}`,
    };
  } finally {
    await idx.close();
  }
}
