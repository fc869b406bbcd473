/**
 * The index served over loopback as pip and bale would see a mirror: `python3 -m http.server` on one
 * PEP 503 tree, or on a merged view of several (pip's index + extra index) laid out as links.
 */
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';

/** Project directories of one PEP 503 tree (`ROOT/simple/NAME/index.html`). */
export async function listProjects(root: string): Promise<string[]> {
  const entries = await readdir(path.join(root, 'simple'), { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/**
 * One tree holding every project of several: pages merged link by link, files linked from each
 * tree's `files/` (the pages link `../../files/NAME`, so relative links keep working).
 */
export async function mergeIndexes(roots: string[], into: string): Promise<void> {
  const pages = new Map<string, string[]>();
  for (const root of roots) {
    for (const p of await listProjects(root)) {
      const html = await readFile(path.join(root, 'simple', p, 'index.html'), 'utf8');
      pages.set(p, [...(pages.get(p) ?? []), ...html.split('\n').filter((l) => l.startsWith('<a '))]);
    }
    await mkdir(path.join(into, 'files'), { recursive: true });
    for (const f of await readdir(path.join(root, 'files')))
      await symlink(path.join(root, 'files', f), path.join(into, 'files', f)).catch(() => undefined);
  }
  const names = [...pages.keys()].sort();
  for (const [p, links] of pages) {
    await mkdir(path.join(into, 'simple', p), { recursive: true });
    await writeFile(
      path.join(into, 'simple', p, 'index.html'),
      `<!DOCTYPE html><html><body>\n${[...new Set(links)].join('\n')}\n</body></html>\n`,
    );
  }
  await writeFile(
    path.join(into, 'simple', 'index.html'),
    `<!DOCTYPE html><html><body>\n${names.map((p) => `<a href="${p}/">${p}</a>`).join('\n')}\n</body></html>\n`,
  );
}

export interface Served {
  url: string;
  stop: () => Promise<void>;
}

/** `python3 -m http.server` on a free loopback port; the port is read from its banner. */
export async function serve(dir: string): Promise<Served> {
  const child: ResultPromise = execa('python3', ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '0', '--directory', dir], {
    reject: false,
    stdin: 'ignore',
    stderr: 'ignore',
  });
  const port = await new Promise<number>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (b: Buffer) => {
      seen += b.toString();
      const m = /port (\d+)/.exec(seen);
      if (m !== null) resolve(Number(m[1]));
    });
    void child.then(() => reject(new Error(`http.server exited: ${seen}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}
