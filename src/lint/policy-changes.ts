import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { ToolError } from '../errors.js';
import { parseYaml } from '../model/parse.js';
import { formatPath } from '../model/path.js';
import type { LintedFile } from './engine.js';
import { loadBuiltinPack, readPolicyFolder } from './policies/load.js';
import { mergePacks, type Pack, type RuleSetting, waiverPolicy } from './policies/pack.js';

/** Where a pull request's policies and waiver policy come from: its base commit, or its own files. */
export type Trust = 'base' | 'head';

/** A policy file's name in its folder, and its text. */
export interface PolicyText {
  name: string;
  text: string;
}

/**
 * What a pull request changes in what checks it and where its secrets go,
 * against the commit that supplies those (its base). Shown before anything
 * else, since a finding that is absent may be absent because of it.
 */
export interface PolicyChanges {
  /** The trusted commit as shown (a short sha, a branch). */
  base: string;
  /** Whose policies the findings were computed with. */
  policiesFrom: Trust;
  rules: RuleChange[];
  options: OptionChange[];
  customRules: CustomRuleChange[];
  waiverPolicy: { from: string; to: string } | undefined;
  waivers: WaiverChange[];
  provider: ProviderChange[];
  /** Secrets the pull request's file reads (outside the provider settings) that the base's does not. */
  secretReferences: SecretReferenceChange[];
  /** What became of the plan because of the provider changes, when they matter to it. */
  providerOutcome: string | undefined;
  /** The pull request's policies could not be read for comparison (not valid YAML, …). */
  unreadable: string[];
}

export interface RuleChange {
  id: string;
  from: string;
  to: string;
  kind: 'turned off' | 'downgraded' | 'raised' | 'turned on';
}

export interface OptionChange {
  id: string;
  option: string;
  /** JSON text of the value; undefined when unset. */
  from: string | undefined;
  to: string | undefined;
}

export interface CustomRuleChange {
  id: string;
  kind: 'removed' | 'changed' | 'added';
}

export interface WaiverChange {
  kind: 'added' | 'changed';
  ruleIds: string[];
  /** Where the waiver is in the pull request's file. */
  location: string;
  reason: string | undefined;
  until: string | undefined;
}

export interface ProviderChange {
  /** `provider.apiUrl`, `provider.token.fromEnv`, … */
  setting: string;
  /** Shown text: names of variables and files, URLs without credentials; never a secret value. */
  from: string | undefined;
  to: string | undefined;
}

export interface SecretReferenceChange {
  /** `fromEnv: NAME` or `fromFile: PATH`. */
  reference: string;
  /** The document path that names it. */
  where: string;
}

export function hasPolicyChanges(changes: PolicyChanges): boolean {
  return changes.rules.length + changes.options.length + changes.customRules.length + changes.waivers.length
    + changes.provider.length + changes.secretReferences.length + changes.unreadable.length > 0 || changes.waiverPolicy !== undefined;
}


/** The policies folder a run uses: the `policies` input, or `policies/` beside the config file. */
export function policiesFolder(config: string, policies: string | undefined): string {
  return policies ?? join(dirname(config), 'policies');
}

/** A working tree's policy files, as they are, for comparison only: they are parsed, never compiled. */
export function workspacePolicyFiles(folder: string): PolicyText[] {
  try {
    return readPolicyFolder(folder).map(({ file, text }) => ({ name: file.split(/[\\/]/).pop()!, text }));
  } catch (error) {
    // No folder in the pull request: it has no team policies.
    if (error instanceof ToolError && /does not exist/.test(error.message)) return [];
    throw error;
  }
}

interface ReadPolicies {
  packs: Pack[];
  /** Custom rules by id: their severity and their whole text as data, to tell a change. */
  rules: Map<string, { severity: string; canonical: string }>;
  unreadable: string[];
}

/** Policy files read as data, without compiling any schema in them: a pull request's may be hostile. */
function readPolicies(files: readonly PolicyText[], side: string): ReadPolicies {
  const packs: Pack[] = [];
  const rules = new Map<string, { severity: string; canonical: string }>();
  const unreadable: string[] = [];
  for (const { name, text } of files) {
    let data: unknown;
    try {
      data = parse(text, { uniqueKeys: true, maxAliasCount: 100 });
    } catch (error) {
      unreadable.push(`${side} ${name} is not valid YAML (${(error as Error).message.split('\n')[0]}): it was left out of this comparison`);
      continue;
    }
    if (!isObject(data)) continue;
    if (data.kind === 'pack' && isObject(data.rules)) {
      const entries = Object.entries(data.rules).filter(([, entry]) => typeof entry === 'string' || isObject(entry));
      packs.push({ ...(data as unknown as Pack), rules: Object.fromEntries(entries) as Pack['rules'] });
    } else if (data.kind === 'rule' && typeof data.id === 'string') {
      rules.set(data.id, { severity: String(data.severity), canonical: canonical(data) });
    }
  }
  return { packs, rules, unreadable };
}

export interface ChangeInput {
  /** The trusted commit as shown. */
  base: string;
  policiesFrom: Trust;
  basePolicies: readonly PolicyText[];
  headPolicies: readonly PolicyText[];
  /** The config file at the base, linted; undefined when it is not there. */
  baseFile: LintedFile | undefined;
  headFile: LintedFile;
}

/** What the pull request changes in the policies, the waivers and the provider settings, against its base. */
export function policyChanges(input: ChangeInput): PolicyChanges {
  const base = readPolicies(input.basePolicies, 'the base\'s');
  const head = readPolicies(input.headPolicies, 'the pull request\'s');
  const baseSettings = mergePacks([loadBuiltinPack(), ...base.packs]);
  const headSettings = mergePacks([loadBuiltinPack(), ...head.packs]);
  const baseWaivers = waiverPolicy(base.packs);
  const headWaivers = waiverPolicy(head.packs);
  const baseData = dataOf(input.baseFile);
  const headData = dataOf(input.headFile);
  return {
    base: input.base,
    policiesFrom: input.policiesFrom,
    ...ruleChanges(baseSettings, headSettings, base.rules, head.rules),
    customRules: customRuleChanges(base.rules, head.rules),
    waiverPolicy: baseWaivers === headWaivers ? undefined : { from: baseWaivers, to: headWaivers },
    waivers: waiverChanges(input.baseFile, input.headFile),
    // A file new in the pull request has no trusted settings to differ from: it is not planned (the report says why).
    provider: input.baseFile ? providerChanges(baseData?.provider, headData?.provider) : [],
    secretReferences: newSecretReferences(baseData, headData),
    providerOutcome: undefined,
    unreadable: [...base.unreadable, ...head.unreadable],
  };
}

const RANK: Record<string, number> = { off: 0, warning: 1, error: 2 };

function ruleChanges(
  base: Map<string, RuleSetting>, head: Map<string, RuleSetting>,
  baseRules: ReadPolicies['rules'], headRules: ReadPolicies['rules'],
): { rules: RuleChange[]; options: OptionChange[] } {
  const rules: RuleChange[] = [];
  const options: OptionChange[] = [];
  // Shown as text: a pull request's value was not validated and may be anything.
  const severity = (settings: Map<string, RuleSetting>, custom: ReadPolicies['rules'], id: string) => {
    const value: unknown = settings.get(id)?.severity ?? custom.get(id)?.severity;
    return value === undefined ? undefined : typeof value === 'string' ? value : canonical(value);
  };
  const ids = [...new Set([...base.keys(), ...head.keys(), ...baseRules.keys(), ...headRules.keys()])].sort();
  for (const id of ids) {
    const from = severity(base, baseRules, id);
    const to = severity(head, headRules, id);
    // A custom rule that one side lacks is listed as added or removed instead.
    if (from === undefined || to === undefined) continue;
    if (from !== to) {
      const kind = to === 'off' ? 'turned off' : from === 'off' ? 'turned on' : (RANK[to] ?? 0) < (RANK[from] ?? 0) ? 'downgraded' : 'raised';
      rules.push({ id, from, to, kind });
    }
    const fromOptions = base.get(id)?.options ?? {};
    const toOptions = head.get(id)?.options ?? {};
    for (const option of [...new Set([...Object.keys(fromOptions), ...Object.keys(toOptions)])].sort()) {
      const a = json(fromOptions[option]);
      const b = json(toOptions[option]);
      if (a !== b) options.push({ id, option, from: a, to: b });
    }
  }
  return { rules, options };
}

function customRuleChanges(base: ReadPolicies['rules'], head: ReadPolicies['rules']): CustomRuleChange[] {
  const changes: CustomRuleChange[] = [];
  for (const [id, rule] of base) {
    const other = head.get(id);
    if (!other) changes.push({ id, kind: 'removed' });
    else if (other.canonical !== rule.canonical) changes.push({ id, kind: 'changed' });
  }
  for (const id of head.keys()) if (!base.has(id)) changes.push({ id, kind: 'added' });
  return changes.sort((a, b) => a.id.localeCompare(b.id));
}

/** Waivers in the pull request's file that the base's file does not have, or has with another reason or expiry. */
function waiverChanges(baseFile: LintedFile | undefined, headFile: LintedFile): WaiverChange[] {
  const key = (ruleIds: readonly string[], target: readonly (string | number)[] | undefined) => `${[...ruleIds].sort().join(',')}@${formatPath(target ?? [])}`;
  const before = new Map((baseFile?.waivers ?? []).map((waiver) => [key(waiver.ruleIds, waiver.target), waiver]));
  const changes: WaiverChange[] = [];
  for (const waiver of headFile.waivers) {
    const old = before.get(key(waiver.ruleIds, waiver.target));
    if (old && old.reason === waiver.reason && old.until === waiver.until) continue;
    const { line } = headFile.source.position(waiver.start);
    changes.push({ kind: old ? 'changed' : 'added', ruleIds: waiver.ruleIds, location: `${headFile.source.name}:${line}`, reason: waiver.reason, until: waiver.until });
  }
  return changes;
}

/** The file as data, whether or not it passes the schema. */
function dataOf(file: LintedFile | undefined): Record<string, unknown> | undefined {
  if (!file) return undefined;
  const { data } = parseYaml(file.source.name, file.source.text);
  return isObject(data) ? data : undefined;
}

/**
 * Secret references outside the provider settings (integration passwords)
 * that the base's file does not have: a pull request naming the superuser's
 * variable as a password should be seen before it merges.
 */
function newSecretReferences(base: Record<string, unknown> | undefined, head: Record<string, unknown> | undefined): SecretReferenceChange[] {
  const known = new Set(referencesIn(base?.databases, ['databases']).map((found) => found.reference));
  return referencesIn(head?.databases, ['databases']).filter((found) => !known.has(found.reference));
}

function referencesIn(value: unknown, path: (string | number)[], out: SecretReferenceChange[] = []): SecretReferenceChange[] {
  if (Array.isArray(value)) value.forEach((item, i) => referencesIn(item, [...path, i], out));
  else if (isObject(value)) {
    for (const key of REFERENCE_KEYS) {
      if (typeof value[key] === 'string') out.push({ reference: `${key}: ${value[key]}`, where: formatPath(path) });
    }
    for (const [key, inner] of Object.entries(value)) referencesIn(inner, [...path, key], out);
  }
  return out;
}

/** Settings whose values are shown; any other value (an inline secret, say) is only said to differ. */
const SHOWN_SETTINGS = new Set(['kind', 'apiUrl', 'environment', 'cloud']);
const REFERENCE_KEYS = new Set(['fromEnv', 'fromFile']);

function providerChanges(base: unknown, head: unknown): ProviderChange[] {
  const before = flatten(base, 'provider');
  const after = flatten(head, 'provider');
  const changes: ProviderChange[] = [];
  for (const setting of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.get(setting);
    const b = after.get(setting);
    if (a?.raw !== b?.raw) changes.push({ setting, from: a?.shown, to: b?.shown });
  }
  return changes;
}

function flatten(value: unknown, path: string, out = new Map<string, { raw: string; shown: string }>()): Map<string, { raw: string; shown: string }> {
  if (isObject(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, `${path}.${key}`, out);
    return out;
  }
  if (value === undefined) return out;
  const raw = json(value)!;
  const segments = path.split('.');
  const shownSetting = segments.length === 2 && SHOWN_SETTINGS.has(segments[1]!);
  const reference = REFERENCE_KEYS.has(segments.at(-1)!);
  const shown = reference ? String(value) : shownSetting ? withoutCredentials(String(value)) : '(a value, not shown)';
  out.set(path, { raw, shown });
  return out;
}

/** A URL as shown: any user or password replaced, so a mistaken URL cannot publish one. */
function withoutCredentials(text: string): string {
  if (!URL.canParse(text)) return text;
  const url = new URL(text);
  if (url.username === '' && url.password === '') return text;
  url.username = url.username ? '***' : '';
  url.password = url.password ? '***' : '';
  return url.href;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

function json(value: unknown): string | undefined {
  return value === undefined ? undefined : canonical(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
