import { ToolError } from '../errors.js';
import { policiesFolder, type PolicyText } from '../lint/policy-changes.js';
import { type Baseline, fetchBaseline, readPolicyFolderAt, repositoryPath, shortRef, writeTemporaryFolder } from './baseline.js';
import type { Repo } from './event.js';
import type { GitHub } from './github.js';

/** What the trusted commit supplies, read through the contents API (a shallow checkout is enough). */
export interface TrustedParts {
  ref: string;
  /** The config file at `ref`: its provider settings, its waivers, and the drift baseline. */
  config: Baseline;
  /** The policies folder at `ref`, copied to a temporary folder (empty when `ref` has none). */
  policiesDir: string;
  policyFiles: PolicyText[];
  /** A message with the temporary copy's paths written as `ref:path` (git's notation). */
  locate(message: string): string;
  dispose(): void;
}

export async function fetchTrustedParts(github: GitHub, repo: Repo, config: string, policies: string | undefined, ref: string): Promise<TrustedParts> {
  const folder = policiesFolder(config, policies);
  const folderPath = repositoryPath(folder);
  if (folderPath === undefined) {
    throw new ToolError(`policies: ${folder} is outside the workspace, so its version at ${shortRef(ref)} cannot be read; keep the policies in the repository`);
  }
  const [file, policyFiles] = await Promise.all([fetchBaseline(github, repo, config, ref), readPolicyFolderAt(github, repo, folderPath, ref)]);
  const copy = writeTemporaryFolder('trusted', policyFiles ?? []);
  return {
    ref,
    config: file,
    policiesDir: copy.dir,
    policyFiles: policyFiles ?? [],
    locate: (message) => message.split(copy.dir).join(`${shortRef(ref)}:${folderPath}`),
    dispose() {
      copy.dispose();
      if (file.path !== undefined) file.dispose();
    },
  };
}

