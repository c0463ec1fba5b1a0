import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ToolError } from '../errors.js';

/** The argument that stands for standard input. */
export const STDIN = '-';

/** The files a folder stands for, anywhere below it. */
export const FOLDER_PATTERN = '**/endpoints.{yaml,yml}';

/** Never searched: dependencies and git's own files hold no endpoints.yaml of the project. */
const IGNORED = ['**/node_modules/**', '**/.git/**'];

/**
 * The files the arguments name, as ESLint reads them: a file as it is, a
 * folder as every endpoints.yaml or endpoints.yml below it (in dot folders
 * too), a glob (quoted, so the shell leaves it alone) as the files it matches, `-` as standard
 * input. Each file once, in the order given; a folder's or glob's files
 * sorted. A folder or glob that matches nothing stops the run. A path that
 * does not exist is passed on, to be refused by the reader.
 */
export async function expandInputs(args: readonly string[]): Promise<string[]> {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (path: string) => {
    const key = resolve(path);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(path);
  };
  let stdin = false;
  for (const arg of args) {
    if (arg === STDIN) {
      if (stdin) throw new ToolError('standard input (-) can be named only once');
      stdin = true;
      out.push(STDIN);
      continue;
    }
    const kind = kindOf(arg);
    if (kind === 'folder') {
      const found = await search(FOLDER_PATTERN, { cwd: arg, dot: true });
      if (found.length === 0) throw new ToolError(`no endpoints.yaml or endpoints.yml under ${arg}`);
      found.forEach((file) => add(join(arg, file)));
    } else if (kind === 'missing' && (await glob()).isDynamicPattern(arg)) {
      // As a shell's: `*` does not match a name that starts with a dot.
      const found = await search(arg, { dot: false });
      if (found.length === 0) throw new ToolError(`no file matches ${arg}`);
      found.forEach(add);
    } else {
      add(arg);
    }
  }
  return out;
}

function kindOf(path: string): 'folder' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'other';
  } catch {
    return 'missing';
  }
}

/** The glob library, loaded only for a folder or a pattern: a lint of named files does without it. */
function glob(): Promise<typeof import('tinyglobby')> {
  return import('tinyglobby');
}

/** Symbolic links are not followed: a link to a parent folder would make the search endless. */
async function search(pattern: string, options: { cwd?: string; dot: boolean }): Promise<string[]> {
  return (await glob()).globSync(pattern, { ...options, ignore: IGNORED, followSymbolicLinks: false }).sort();
}
