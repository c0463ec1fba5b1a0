import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { LocationIndex } from '../model/locations.js';
import { parseYaml } from '../model/parse.js';
import { type BoundedRead, DEFAULT_MAX_FILE_BYTES, readSourceText, sourceText } from '../model/read.js';
import { SourceFile } from '../model/source.js';
import { buildRuleSet, lintDocument, type LintedFile, type RuleSet } from './engine.js';
import type { CustomRule } from './policies/custom-rule.js';
import { loadBuiltinPack, loadPolicyDirectory } from './policies/load.js';
import { mergePacks, waiverPolicy } from './policies/pack.js';
import { BUILTIN_RULES } from './rules/index.js';

export interface LintRunOptions {
  /** A team's policies folder for every file; by default each file's own `policies/` beside it, when it exists. */
  policiesDir?: string | undefined;
  maxFileBytes?: number;
  today?: string;
}

/**
 * What to lint: a file's path, or content read elsewhere (standard input)
 * with the path it stands for, which names it in reports and finds its policies.
 */
export type LintInput = string | { path: string; content: BoundedRead };

function inputPath(input: LintInput): string {
  return typeof input === 'string' ? input : input.path;
}

/** A linted file with the rules it was linted with (its own policies folder's). */
export interface RunFile extends LintedFile {
  ruleSet: RuleSet;
}

export interface LintRun {
  files: RunFile[];
  /** Every custom rule loaded from any file's policies, enabled or not, for rule listings and SARIF. */
  customRules: CustomRule[];
  /** Every policy file the run read. */
  policyFiles: string[];
}

/** The policies folder a file is linted with: the one given, or `policies/` beside the file. */
export function resolvePoliciesDir(file: string, explicit: string | undefined): string | undefined {
  if (explicit !== undefined) return explicit;
  const beside = join(dirname(file), 'policies');
  return existsSync(beside) ? beside : undefined;
}

export interface LoadedPolicies {
  ruleSet: RuleSet;
  customRules: CustomRule[];
  /** The policy files read. */
  files: string[];
}

export async function loadRuleSet(policiesDir: string | undefined): Promise<LoadedPolicies> {
  const team = policiesDir ? await loadPolicyDirectory(policiesDir, BUILTIN_RULES) : { packs: [], rules: [], files: [] };
  const settings = mergePacks([loadBuiltinPack(), ...team.packs]);
  return { ruleSet: buildRuleSet(settings, team.rules, waiverPolicy(team.packs)), customRules: team.rules, files: team.files };
}

/**
 * Lints files with the built-in pack and the team's policies: each file with
 * its own policies folder (a folder shared by several files is read once).
 */
export async function runLint(inputs: readonly LintInput[], options: LintRunOptions = {}): Promise<LintRun> {
  const byFolder = new Map<string | undefined, LoadedPolicies>();
  const files: RunFile[] = [];
  for (const input of inputs) {
    const policiesDir = resolvePoliciesDir(inputPath(input), options.policiesDir);
    const key = policiesDir === undefined ? undefined : resolve(policiesDir);
    let policies = byFolder.get(key);
    if (!policies) {
      policies = await loadRuleSet(policiesDir);
      byFolder.set(key, policies);
    }
    files.push({ ...lintFile(input, policies.ruleSet, options), ruleSet: policies.ruleSet });
  }
  const loaded = [...byFolder.values()];
  // Two folders may define the same rule id: reports describe it once.
  const ids = new Set<string>();
  const customRules = loaded.flatMap((policies) => policies.customRules).filter((rule) => !ids.has(rule.id) && ids.add(rule.id));
  return { files, customRules, policyFiles: loaded.flatMap((policies) => policies.files) };
}

export function lintFile(input: LintInput, ruleSet: RuleSet, options: LintRunOptions = {}): LintedFile {
  const name = displayName(inputPath(input));
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const read = typeof input === 'string' ? readSourceText(input, maxBytes) : sourceText(input.content, maxBytes);
  if (!read.ok) {
    const source = new SourceFile(name, read.text);
    const { line, column } = source.position(read.offset);
    return {
      source, redactions: [], config: undefined, waived: 0, waivers: [], locations: new LocationIndex({ start: 0, end: 0 }),
      findings: [{ ruleId: 'syntax', severity: 'error', message: read.message, file: name, path: '', line, column, endLine: line, endColumn: column }],
    };
  }
  const lintOptions = options.today ? { today: options.today } : {};
  return lintDocument(parseYaml(name, read.text), ruleSet, lintOptions);
}

/** The name findings carry: relative to the working directory when inside it, with forward slashes. */
export function displayName(path: string): string {
  const rel = relative(process.cwd(), path);
  const name = rel !== '' && !rel.startsWith('..') ? rel : path;
  return name.split(sep).join('/');
}
