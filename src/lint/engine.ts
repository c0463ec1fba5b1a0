import type { EndpointsConfig } from '../model/config.js';
import type { LocationIndex, OffsetRange } from '../model/locations.js';
import type { ParsedDocument } from '../model/parse.js';
import { type DocPath, formatPath, pathStartsWith } from '../model/path.js';
import type { SourceFile } from '../model/source.js';
import { parseCidrLenient } from '../net/cidr.js';
import { ConfigIndex } from './config-index.js';
import { compareFindings, type Finding, type Severity } from './finding.js';
import { type CustomRule, runCustomRule } from './policies/custom-rule.js';
import type { RuleSetting, WaiverPolicy } from './policies/pack.js';
import type { AnyRule, Report } from './rule.js';
import { BUILTIN_RULES, CORE_CHECKS, PLAN_RULES } from './rules/index.js';
import { checkSchema } from './schema-check.js';
import { type ValidPart, validPart } from './schema-prune.js';
import { findInlineSecrets, inlineSecretValues, quoteValue, safeMessage } from './secrets.js';
import { applyWaivers, readWaivers, type Waiver, waiverReports } from './waivers.js';

export interface ConfiguredRule {
  rule: AnyRule;
  severity: Severity;
  options: unknown;
}

/** The rules a run applies, after the built-in pack and a team's policies are folded together. */
export interface RuleSet {
  rules: ConfiguredRule[];
  custom: CustomRule[];
  /** Severity of each plan-time check ('off' when disabled). */
  planSeverity: ReadonlyMap<string, Severity | 'off'>;
  /** Every id a waiver may name. */
  knownIds: ReadonlySet<string>;
  waivers: WaiverPolicy;
}

export function buildRuleSet(
  settings: ReadonlyMap<string, RuleSetting>, custom: readonly CustomRule[] = [], waivers: WaiverPolicy = 'allowed',
): RuleSet {
  const rules: ConfiguredRule[] = [];
  for (const rule of BUILTIN_RULES) {
    const setting = settings.get(rule.meta.id);
    const severity = setting?.severity ?? 'off';
    if (severity === 'off') continue;
    rules.push({ rule, severity, options: { ...rule.defaultOptions, ...setting?.options } });
  }
  const enabledCustom = custom.flatMap((rule) => {
    const severity = settings.get(rule.id)?.severity ?? rule.severity;
    return severity === 'off' ? [] : [{ ...rule, severity }];
  });
  const planSeverity = new Map(PLAN_RULES.map((meta) => [meta.id, settings.get(meta.id)?.severity ?? 'off'] as const));
  const knownIds = new Set([
    ...BUILTIN_RULES.map((rule) => rule.meta.id), ...PLAN_RULES.map((meta) => meta.id), ...custom.map((rule) => rule.id),
  ]);
  return { rules, custom: enabledCustom, planSeverity, knownIds, waivers };
}

export interface LintOptions {
  /** Today as YYYY-MM-DD, for waiver expiry. */
  today?: string;
}

export interface LintedFile {
  source: SourceFile;
  findings: Finding[];
  /** Source ranges holding secret values: masked wherever output quotes the source. */
  redactions: OffsetRange[];
  /** The typed configuration, when the file passed the schema. */
  config: EndpointsConfig | undefined;
  /** Where each node of the file is, for findings computed later (plan-time findings). */
  locations: LocationIndex;
  /** The file's waivers, which plan-time findings honour too. */
  waivers: Waiver[];
  /** Findings silenced by valid waivers. */
  waived: number;
}

const UNWAIVABLE = new Set([...CORE_CHECKS.map((check) => check.id), 'destructive-change']);

interface Pending extends Report {
  ruleId: string;
  severity: Severity;
}

/** A report placed in the file, before it becomes a finding. */
interface Located {
  ruleId: string;
  severity: Severity;
  message: string;
  range: OffsetRange;
  path: DocPath;
}

/**
 * The most findings one file reports, so that every format stays bounded (a
 * 16 MB file can hold a million problems, and their SARIF would not fit in a
 * string). The rest are counted in one finding per rule.
 */
export const MAX_FINDINGS_PER_FILE = 10_000;

/**
 * At most MAX_FINDINGS_PER_FILE reports, errors before warnings and then in
 * reading order, so that a flood of warnings cannot push an error out of
 * sight; each rule with reports left over gets one more, at the first of them,
 * that counts them with the severity of the worst. Every rule that fired is
 * still seen, and the exit status stays what all the findings would make it.
 */
function withinCap(reports: readonly Located[]): readonly Located[] {
  if (reports.length <= MAX_FINDINGS_PER_FILE) return reports;
  const rank = (severity: Severity) => (severity === 'error' ? 0 : 1);
  const ordered = [...reports].sort((a, b) => rank(a.severity) - rank(b.severity) || a.range.start - b.range.start);
  const shown = ordered.slice(0, MAX_FINDINGS_PER_FILE);
  const left = new Map<string, { first: Located; count: number; severity: Severity }>();
  for (const located of ordered.slice(MAX_FINDINGS_PER_FILE)) {
    const rule = left.get(located.ruleId);
    if (!rule) left.set(located.ruleId, { first: located, count: 1, severity: located.severity });
    else {
      rule.count++;
      if (located.range.start < rule.first.range.start) rule.first = located;
      if (located.severity === 'error') rule.severity = 'error';
    }
  }
  for (const [ruleId, { first, count, severity }] of left) {
    shown.push({
      ruleId, severity, range: first.range, path: first.path,
      message: `and ${count.toLocaleString('en-US')} more ${ruleId} ${count === 1 ? 'finding' : 'findings'} from here on, not shown: `
        + `a file reports at most ${MAX_FINDINGS_PER_FILE.toLocaleString('en-US')} findings; fix these and lint again`,
    });
  }
  return shown;
}

/** Lints one parsed file: syntax, schema, CIDR forms, rules, custom policies, then waivers. */
export function lintDocument(parsed: ParsedDocument, ruleSet: RuleSet, options: LintOptions = {}): LintedFile {
  const { source, data, locations } = parsed;
  // Every message passes through safeMessage, so none can quote a secret of the file, however it was written.
  let secretValues: string[] | undefined;
  const toFinding = (ruleId: string, severity: Severity, message: string, range: OffsetRange, path: DocPath): Finding => {
    const start = source.position(range.start);
    const end = source.position(Math.max(range.end, range.start));
    secretValues ??= inlineSecretValues(data);
    return {
      ruleId, severity, message: safeMessage(message, secretValues), file: source.name, path: safeMessage(formatPath(path), secretValues),
      line: start.line, column: start.column, endLine: end.line, endColumn: end.column,
    };
  };
  const report = (reports: readonly Located[]) => withinCap(reports).map((located) =>
    toFinding(located.ruleId, located.severity, located.message, located.range, located.path));
  const syntax = report(parsed.problems.map((problem) =>
    ({ ruleId: 'syntax', severity: 'error', message: problem.message, range: { start: problem.start, end: problem.end }, path: [] })));
  if (parsed.problems.length > 0 || data === undefined) {
    return { source, findings: syntax, redactions: [], config: undefined, locations, waivers: [], waived: 0 };
  }
  if (data === null && source.text.trim().replace(/^#.*$/gm, '').trim() === '') {
    const empty = toFinding('syntax', 'error', 'the file is empty: it needs at least version, provider and databases', { start: 0, end: 0 }, []);
    return { source, findings: [empty], redactions: [], config: undefined, locations, waivers: [], waived: 0 };
  }

  const pending: Pending[] = [];
  const add = (ruleId: string, severity: Severity) => (report: Report) => pending.push({ ...report, ruleId, severity });
  const schemaReports = checkSchema(data);
  schemaReports.forEach(add('schema', 'error'));
  const valid = schemaReports.length === 0;
  const config = data as EndpointsConfig;
  // Rules read the part of the file that passed the schema: one bad value hides only its own item's findings.
  const part: ValidPart | undefined = valid ? { config, originalPath: (path) => [...path], removed: [] } : validPart(data, schemaReports);
  let index: ConfigIndex | undefined;
  if (part) {
    const partIndex = new ConfigIndex(part.config);
    index = partIndex;
    const addOnPart = (ruleId: string, severity: Severity) => (report: Report) =>
      add(ruleId, severity)({ ...report, path: part.originalPath(report.path) });
    for (const entry of [...partIndex.allowEntries, ...partIndex.sources]) {
      if (entry.network) continue;
      const reading = parseCidrLenient(entry.text);
      addOnPart('schema', 'error')({
        path: entry.path,
        message: `${quoteValue(entry.text, entry.path)} is not a CIDR in standard form (four decimal octets without leading zeros, or an IPv6 address, then /prefix)${reading ? `; other tools would read it as ${reading.canonical}` : ''}`,
      });
    }
    for (const { rule, severity, options: ruleOptions } of ruleSet.rules) {
      if (!rule.robust) rule.check({ config: part.config, valid: true, index: partIndex, options: ruleOptions, report: addOnPart(rule.meta.id, severity) });
    }
    for (const rule of ruleSet.custom) runCustomRule(rule, partIndex).forEach(addOnPart(rule.id, rule.severity));
  }
  for (const { rule, severity, options: ruleOptions } of ruleSet.rules) {
    if (!rule.robust) continue;
    // A robust rule reads the raw data, the whole file (through the index only when the file passed the schema).
    rule.check({
      config,
      valid,
      get index() {
        return valid && index ? index : new ConfigIndex(config);
      },
      options: ruleOptions,
      report: add(rule.meta.id, severity),
    });
  }

  const redactions = findInlineSecrets(data).map(({ path }) => locations.locate(data, path));
  const waivers = readWaivers(source, data, locations, {
    today: options.today ?? new Date().toISOString().slice(0, 10),
    knownRuleIds: ruleSet.knownIds,
    unwaivable: UNWAIVABLE,
    forbidden: ruleSet.waivers === 'forbidden',
  });
  const { kept, waived } = applyWaivers(waivers, pending);
  // A waiver around or inside a part the rules did not read may yet waive a finding there.
  const unread = (path: DocPath) => !part || part.removed.some((item) => pathStartsWith(path, item) || pathStartsWith(item, path));
  const findings = report([
    ...kept.map(({ ruleId, severity, message, path, at }) => ({ ruleId, severity, message, range: locations.locate(data, path, at), path })),
    ...waiverReports(waivers, unread),
  ]);
  findings.sort(compareFindings);
  return { source, findings, redactions, config: valid ? config : undefined, locations, waivers, waived };
}
