import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * The repository's top folder, as `git rev-parse --show-toplevel` gives it
 * without running git: the nearest folder from `start` up that holds `.git`
 * (a folder, or the file a worktree or submodule has).
 */
export function repositoryRoot(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * A finding's file as code scanning and CI annotations expect it: relative to
 * `baseDir`, with forward slashes. A file outside it keeps its absolute path;
 * without a `baseDir`, the file is as the finding names it (relative to the
 * working directory).
 */
export function reportPath(file: string, baseDir: string | undefined): string {
  if (baseDir === undefined) return file;
  const absolute = resolve(file);
  const rel = relative(baseDir, absolute);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return absolute;
  return rel.split(sep).join('/');
}
