/** Real .deb files for tests, built by dpkg-deb from a tree described in a few lines (hostile ones included). */
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/** A .deb from a directory tree: `files` (path -> content, or `-> target` for a symlink), scripts in DEBIAN/. */
export async function buildDeb(
  dir: string,
  name: string,
  files: Record<string, string>,
  scripts: Record<string, string> = {},
): Promise<string> {
  const root = path.join(dir, `${name}-root`);
  await mkdir(path.join(root, 'DEBIAN'), { recursive: true });
  await writeFile(
    path.join(root, 'DEBIAN/control'),
    `Package: ${name}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: bale tests <bale@example.invalid>\nDescription: test package\n`,
  );
  for (const [s, body] of Object.entries(scripts)) {
    await writeFile(path.join(root, 'DEBIAN', s), body);
    await chmod(path.join(root, 'DEBIAN', s), 0o755);
  }
  for (const [p, body] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, p)), { recursive: true });
    if (body.startsWith('-> ')) await symlink(body.slice(3), path.join(root, p));
    else await writeFile(path.join(root, p), body);
  }
  const out = path.join(dir, `${name}_1.0-1_all.deb`);
  await execa('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, out], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
  return out;
}
