import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { LocationIndex } from '../model/locations.js';
import { parseYaml } from '../model/parse.js';
import { DEFAULT_MAX_FILE_BYTES, readSourceText } from '../model/read.js';
import { SourceFile } from '../model/source.js';
import { buildRuleSet, lintDocument, type LintedFile, type RuleSet } from './engine.js';
import type { CustomRule } from './policies/custom-rule.js';
import { loadBuiltinPack, loadPolicyDirectory } from './policies/load.js';
import { mergePacks, waiverPolicy } from './policies/pack.js';
import { BUILTIN_RULES } from './rules/index.js';

export interface LintRunOptions {
  /** A team's policies folder; by default `policies/` beside the first file, when it exists. */
  policiesDir?: string | undefined;
  maxFileBytes?: number;
  today?: string;
}

export interface LintRun {
  files: LintedFile[];
  ruleSet: RuleSet;
  /** Every custom rule loaded, enabled or not, for rule listings and SARIF. */
  customRules: CustomRule[];
  policiesDir: string | undefined;
}

/** The policies folder a run uses: the one given, or `policies/` beside the config file. */
export function resolvePoliciesDir(files: readonly string[], explicit: string | undefined): string | undefined {
  if (explicit !== undefined) return explicit;
  const beside = join(dirname(files[0] ?? '.'), 'policies');
  return existsSync(beside) ? beside : undefined;
}

export async function loadRuleSet(policiesDir: string | undefined): Promise<{ ruleSet: RuleSet; customRules: CustomRule[] }> {
  const team = policiesDir ? await loadPolicyDirectory(policiesDir, BUILTIN_RULES) : { packs: [], rules: [] };
  const settings = mergePacks([loadBuiltinPack(), ...team.packs]);
  return { ruleSet: buildRuleSet(settings, team.rules, waiverPolicy(team.packs)), customRules: team.rules };
}

/** Lints files with the built-in pack and the team's policies. */
export async function runLint(paths: readonly string[], options: LintRunOptions = {}): Promise<LintRun> {
  const policiesDir = resolvePoliciesDir(paths, options.policiesDir);
  const { ruleSet, customRules } = await loadRuleSet(policiesDir);
  const files = paths.map((path) => lintFile(path, ruleSet, options));
  return { files, ruleSet, customRules, policiesDir };
}

export function lintFile(path: string, ruleSet: RuleSet, options: LintRunOptions = {}): LintedFile {
  const name = displayName(path);
  const read = readSourceText(path, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
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
