import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
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
  let text: string;
  try {
    const response = await github.rest.repos.getContent({ ...repo, path, ref, mediaType: { format: 'raw' } });
    // The raw media type answers with the file's bytes, which Octokit hands over as text or as a buffer.
    const data = response.data as unknown;
    text = typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer);
  } catch (error) {
    if (httpStatus(error) === 404) return { path: undefined, reason: `${path} does not exist at ${shortRef(ref)}` };
    return { path: undefined, reason: describeApiError(error, `cannot read ${path} at ${shortRef(ref)}`, 'contents: read') };
  }
  const dir = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'dbfence-baseline-'));
  const file = join(dir, basename(path));
  writeFileSync(file, text);
  return { path: file, ref, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The file's path in the repository: relative to the workspace, with forward slashes. */
function repositoryPath(config: string): string | undefined {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const rel = relative(workspace, resolve(config));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

function shortRef(ref: string): string {
  return /^[0-9a-f]{40}$/.test(ref) ? ref.slice(0, 7) : ref;
}
