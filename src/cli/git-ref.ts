import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { ToolError } from '../errors.js';
import type { LintedFile } from '../lint/engine.js';
import { policiesFolder, policyChanges, type PolicyText, workspacePolicyFiles } from '../lint/policy-changes.js';
import { runLint } from '../lint/run.js';
import { type TrustedSettings, trustedSettingsOf } from '../plan/run.js';
import { policyChangesText } from '../report/policy-changes.js';

/** What `--policies-from REF` takes from the commit: as the Action takes them from a pull request's base. */
export interface TrustedAtRef {
  /** The policies folder as it stands at REF, copied to a temporary folder (empty when REF has none). */
  policiesDir: string;
  /** The provider settings and admin connections of the config file at REF; undefined with `noSettings` saying why. */
  trustedSettings: TrustedSettings | undefined;
  noSettings: string | undefined;
  /**
   * What the working tree changes against REF in the policies, the waivers,
   * the provider settings and the secrets read, as lines for stderr (empty
   * when nothing); `outcome` says what became of the plan.
   */
  changesNote(file: LintedFile, outcome?: string): string;
  /** A message with the temporary copy's paths written as `REF:path`. */
  locate(message: string): string;
  dispose(): void;
}

/**
 * Reads the policies folder and the config file at a git ref (`git show
 * REF:path`), so a pull request's check can be reproduced before pushing:
 * `dbfence lint --policies-from origin/main`.
 */
async function readAtRef(ref: string, file: string, policies: string | undefined): Promise<TrustedAtRef> {
  if (ref === '' || ref.startsWith('-')) throw new ToolError(`--policies-from: "${ref}" is not a git ref`);
  const folder = policiesFolder(file, policies);
  const cwd = dirname(resolve(file));
  const top = git(['rev-parse', '--show-toplevel'], cwd, `--policies-from: ${cwd} is not in a git repository`).trim();
  git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], top, `--policies-from: ${ref} is not a commit of this repository`);
  const folderPath = inRepository(top, folder, '--policies-from: the policies folder');
  const filePath = inRepository(top, file, '--policies-from: the file');

  const root = mkdtempSync(join(tmpdir(), 'dbfence-ref-'));
  const dispose = () => rmSync(root, { recursive: true, force: true });
  try {
    const policiesDir = join(root, 'policies');
    mkdirSync(policiesDir);
    const policyFiles: PolicyText[] = policyFilesAt(top, ref, folderPath).map((name) => ({
      name, text: git(['show', `${ref}:${folderPath}/${name}`], top, `--policies-from: cannot read ${folderPath}/${name} at ${ref}`),
    }));
    for (const { name, text } of policyFiles) writeFileSync(join(policiesDir, name), text);
    const locate = (message: string) => message.split(policiesDir).join(`${ref}:${folderPath}`);
    const text = existsAt(top, ref, filePath) ? git(['show', `${ref}:${filePath}`], top, `--policies-from: cannot read ${filePath} at ${ref}`) : undefined;
    let baseFile: LintedFile | undefined;
    if (text !== undefined) {
      const copy = join(root, basename(filePath));
      writeFileSync(copy, text);
      try {
        baseFile = (await runLint([copy], { policiesDir })).files[0]!;
      } catch (error) {
        throw error instanceof ToolError ? new ToolError(locate(error.message)) : error;
      }
    }
    const changesNote = (headFile: LintedFile, outcome?: string) => {
      const changes = policyChanges({ base: ref, policiesFrom: 'base', basePolicies: policyFiles, headPolicies: workspacePolicyFiles(folder), baseFile, headFile });
      if (outcome !== undefined && changes.provider.length > 0) changes.providerOutcome = outcome;
      return policyChangesText(changes);
    };
    const noSettings = text === undefined ? `${filePath} does not exist at ${ref}, so there are no provider settings to plan with`
      : baseFile?.config ? undefined : `${filePath} at ${ref} does not pass the schema, so there are no provider settings to plan with`;
    return { policiesDir, trustedSettings: baseFile?.config ? trustedSettingsOf(baseFile.config) : undefined, noSettings, changesNote, locate, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

/** The policy files (`*.yaml`, `*.yml`, `*.json`) directly in the folder at REF, in name order; none when it is not there. */
function policyFilesAt(top: string, ref: string, folderPath: string): string[] {
  if (!existsAt(top, ref, folderPath)) return [];
  const listing = git(['ls-tree', '-z', `${ref}:${folderPath}`], top, `--policies-from: ${folderPath} is not a folder at ${ref}`);
  return listing.split('\0').filter(Boolean)
    .map((entry) => /^\d+ (\w+) [0-9a-f]+\t(.*)$/s.exec(entry))
    .filter((match): match is RegExpExecArray => match !== null && match[1] === 'blob' && /\.(ya?ml|json)$/.test(match[2]!))
    .map((match) => match[2]!)
    .sort();
}

function existsAt(top: string, ref: string, path: string): boolean {
  try {
    execFileSync('git', ['cat-file', '-e', `${ref}:${path}`], { cwd: top, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function inRepository(top: string, path: string, what: string): string {
  const rel = relative(top, resolve(path));
  if (rel === '' || rel.startsWith('..')) throw new ToolError(`${what} ${path} is outside the git repository ${top}`);
  return rel.split(sep).join('/');
}

function git(args: string[], cwd: string, failure: string): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ToolError('--policies-from needs git, and git is not installed');
    throw new ToolError(failure);
  }
}

/** Runs `use` with what REF supplies, naming REF's files (not their temporary copies) in errors, and cleans up. */
export async function withPoliciesAt<T>(ref: string, file: string, policies: string | undefined, use: (trusted: TrustedAtRef) => Promise<T>): Promise<T> {
  const trusted = await readAtRef(ref, file, policies);
  try {
    return await use(trusted);
  } catch (error) {
    throw error instanceof ToolError ? new ToolError(trusted.locate(error.message)) : error;
  } finally {
    trusted.dispose();
  }
}
