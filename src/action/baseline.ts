import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ToolError } from '../errors.js';
import type { Repo } from './event.js';
import { describeApiError, type GitHub, httpStatus } from './github.js';

export type Baseline =
  | { path: string; ref: string; dispose(): void }
  | { path: undefined; reason: string };

/**
 * The config file as it stands at `ref` (the pull request's base commit),
 * written to a temporary file for the plan's drift check. It is read through
 * the contents API, so a shallow checkout is enough. A file that did not exist
 * at `ref` is no baseline: drift is then reported as not checked, never as none.
 */
export async function fetchBaseline(github: GitHub, repo: Repo, config: string, ref: string): Promise<Baseline> {
  const path = repositoryPath(config);
  if (path === undefined) return { path: undefined, reason: `${config} is outside the workspace, so its version at ${shortRef(ref)} cannot be read` };
  let text: string | undefined;
  try {
    text = await readFileAt(github, repo, path, ref);
  } catch (error) {
    return { path: undefined, reason: describeApiError(error, `cannot read ${path} at ${shortRef(ref)}`, 'contents: read') };
  }
  if (text === undefined) return { path: undefined, reason: `${path} does not exist at ${shortRef(ref)}` };
  const dir = temporaryFolder('baseline');
  const file = join(dir, basename(path));
  writeFileSync(file, text);
  return { path: file, ref, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A file's text at `ref` through the contents API; undefined when it does not exist there. */
export async function readFileAt(github: GitHub, repo: Repo, path: string, ref: string): Promise<string | undefined> {
  try {
    const response = await github.rest.repos.getContent({ ...repo, path, ref, mediaType: { format: 'raw' } });
    // The raw media type answers with the file's bytes, which Octokit hands over as text or as a buffer.
    const data = response.data as unknown;
    return typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer);
  } catch (error) {
    if (httpStatus(error) === 404) return undefined;
    throw error;
  }
}

/**
 * The policy files (`*.yaml`, `*.yml`, `*.json`, as a policies folder is
 * read) of a folder at `ref`, in name order; undefined when the folder does
 * not exist there. Any other failure stops the run: policies silently missing
 * would pass what they forbid.
 */
export async function readPolicyFolderAt(github: GitHub, repo: Repo, path: string, ref: string): Promise<{ name: string; text: string }[] | undefined> {
  const what = `cannot read the policies folder ${path} at ${shortRef(ref)}`;
  try {
    let listing: unknown;
    try {
      listing = (await github.rest.repos.getContent({ ...repo, path, ref })).data;
    } catch (error) {
      if (httpStatus(error) === 404) return undefined;
      throw error;
    }
    if (!Array.isArray(listing)) throw new ToolError(`policies: ${path} is not a folder at ${shortRef(ref)}`);
    const names = (listing as { type?: string; name?: string }[])
      .filter((entry) => entry.type === 'file' && typeof entry.name === 'string' && /^[^/\\]+\.(ya?ml|json)$/.test(entry.name))
      .map((entry) => entry.name!)
      .sort();
    return await Promise.all(names.map(async (name) => {
      const text = await readFileAt(github, repo, `${path}/${name}`, ref);
      if (text === undefined) throw new ToolError(`${what}: ${name} vanished while it was read`);
      return { name, text };
    }));
  } catch (error) {
    if (error instanceof ToolError) throw error;
    throw new ToolError(describeApiError(error, what, 'contents: read'));
  }
}

/** Files written to a new temporary folder (under RUNNER_TEMP on a runner), removed by `dispose`. */
export function writeTemporaryFolder(purpose: string, files: readonly { name: string; text: string }[]): { dir: string; dispose(): void } {
  const root = temporaryFolder(purpose);
  const dir = join(root, 'policies');
  mkdirSync(dir);
  for (const { name, text } of files) writeFileSync(join(dir, name), text);
  return { dir, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

function temporaryFolder(purpose: string): string {
  return mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), `dbfence-${purpose}-`));
}

/** A path's place in the repository: relative to the workspace, with forward slashes; undefined outside it. */
export function repositoryPath(path: string): string | undefined {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const rel = relative(workspace, resolve(path));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

export function shortRef(ref: string): string {
  return /^[0-9a-f]{40}$/.test(ref) ? ref.slice(0, 7) : ref;
}
