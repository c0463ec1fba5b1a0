import type { Finding, Severity } from '../lint/finding.js';
import { countPlan, renderPlanMarkdown, summaryLine } from '../plan/render.js';
import type { Plan } from '../plan/types.js';
import type { RuleDescriptor } from '../report/input.js';
import { code, escapeCell } from '../report/markdown.js';
import { hasPolicyChanges, type PolicyChanges } from '../lint/policy-changes.js';
import { renderPolicyChanges } from '../report/policy-changes.js';

/** What a lint or plan run found, as the summary, the comment and the outputs show it. */
export interface CheckResult {
  command: 'lint' | 'plan';
  /** The config file's name as findings carry it. */
  file: string;
  /** Lint findings, then plan-time findings. */
  findings: Finding[];
  rules: readonly RuleDescriptor[];
  plan: Plan | undefined;
  /** Why a plan was asked for and not made. */
  planSkipped: string | undefined;
  /** Why drift was not checked, when a plan was made without it. */
  driftSkipped: string | undefined;
  /** What a pull request changes in the policies and provider settings that check it; undefined outside pull requests. */
  changes: PolicyChanges | undefined;
}

/** A part of the report that can stand in for itself in fewer characters. */
export interface Section {
  full: string;
  /** At most `budget` characters where it can (a cut table), else its shortest form. */
  shorten(budget: number): string;
}

export function counts(result: CheckResult): Record<Severity, number> {
  const errors = result.findings.filter((finding) => finding.severity === 'error').length;
  return { error: errors, warning: result.findings.length - errors };
}

/** Nothing found and nothing pending: no comment is worth posting. */
export function isQuiet(result: CheckResult): boolean {
  if (result.findings.length > 0 || (result.changes && hasPolicyChanges(result.changes))) return false;
  if (result.command === 'lint') return true;
  return result.plan !== undefined && result.plan.changes.length === 0 && result.plan.drift.length === 0;
}

export function headline(result: CheckResult): string {
  const { error, warning } = counts(result);
  const parts = [
    error > 0 ? `❌ ${plural(error, 'error')}` : warning > 0 ? '✅ no errors' : '✅ no findings',
    ...(warning > 0 ? [`⚠️ ${plural(warning, 'warning')}`] : []),
  ];
  if (result.command === 'plan') {
    const plan = result.plan;
    if (!plan) parts.push('plan not run');
    else {
      const { destructive } = countPlan(plan);
      parts.push(plan.changes.length === 0 ? 'no changes' : `${plural(plan.changes.length, 'change')}${destructive > 0 ? ` (${destructive} destructive or disruptive)` : ''}`);
      parts.push(plan.driftChecked ? (plan.drift.length === 0 ? 'no drift' : `drift: ${plural(plan.drift.length, 'change')} made outside the file`) : 'drift not checked');
    }
  }
  return `### dbfence ${result.command}: ${code(result.file)}\n\n${parts.join(' · ')}\n`;
}

/** A markdown headline as one plain line of the job's log. */
export function logLine(title: string): string {
  return title.replace(/^### /, '').replace(/`/g, '').replace(/\n+/g, ': ').replace(/: $/, '');
}

/** The report's parts in the order they are shown, which is also the order they are kept in when space runs out. */
export function sections(result: CheckResult): Section[] {
  const { errors, warnings } = findingsSections(result.findings, result.rules);
  return [...changesSection(result.changes), ...errors, ...(result.command === 'plan' ? [planSection(result)] : []), ...warnings];
}

/** What the pull request changes in what checks it: first, since it explains what the rest does not show. */
function changesSection(changes: PolicyChanges | undefined): Section[] {
  const full = changes ? renderPolicyChanges(changes) : '';
  if (full === '') return [];
  const short = '**⚠️ This pull request changes the policies, waivers, provider settings or secrets that check it:** the list is in the job summary.\n';
  return [{ full, shorten: () => short }];
}

/** A table of errors and one of warnings, each absent when there are none. */
export function findingsSections(findings: readonly Finding[], rules: readonly RuleDescriptor[]): { errors: Section[]; warnings: Section[] } {
  const errors = findings.filter((finding) => finding.severity === 'error');
  const warnings = findings.filter((finding) => finding.severity === 'warning');
  return {
    errors: errors.length > 0 ? [findingsSection('Errors', errors, rules)] : [],
    warnings: warnings.length > 0 ? [findingsSection('Warnings', warnings, rules)] : [],
  };
}

export function planSection(result: Pick<CheckResult, 'plan' | 'planSkipped' | 'driftSkipped'>): Section {
  const { plan } = result;
  if (!plan) {
    const text = `**No plan:** ${escapeCell(result.planSkipped ?? 'not run')}\n`;
    return { full: text, shorten: () => text };
  }
  const drift = result.driftSkipped ? `\n**Drift not checked:** ${escapeCell(result.driftSkipped)}\n` : '';
  const full = `${renderPlanMarkdown(plan)}${drift}`;
  const driftLine = plan.driftChecked ? `\n\n**Drift:** ${plan.drift.length === 0 ? 'none' : plural(plan.drift.length, 'change') + ' made outside the file'}.` : '';
  const short = `**Plan (${plan.provider}):** ${summaryLine(plan)}${driftLine}\n\nThe change list is too long for this comment: it is in the job summary.\n${drift}`;
  return { full, shorten: () => short };
}

function findingsSection(title: string, findings: readonly Finding[], rules: readonly RuleDescriptor[]): Section {
  const docs = new Map(rules.map((rule) => [rule.id, rule.docsUrl]));
  const head = `#### ${title}\n\n| Location | Rule | Message |\n|---|---|---|\n`;
  const rows = findings.map((finding) => {
    const url = docs.get(finding.ruleId);
    const rule = url && /^https?:\/\/[^\s()<>]+$/.test(url) ? `[${code(finding.ruleId)}](${url})` : code(finding.ruleId);
    return `| ${code(`${finding.file}:${finding.line}:${finding.column}`)} | ${rule} | ${escapeCell(finding.message)} |\n`;
  });
  const noun = title.toLowerCase();
  return {
    full: head + rows.join(''),
    shorten(budget) {
      let text = head;
      let kept = 0;
      const more = (left: number) => `\n… and ${left} more ${noun}: every one is in the job summary.\n`;
      for (const row of rows) {
        if (text.length + row.length + more(rows.length - kept).length > budget) break;
        text += row;
        kept++;
      }
      return kept === rows.length ? text : text + more(rows.length - kept);
    },
  };
}

/**
 * Joins sections within `budget` characters: each whole when it fits in what
 * is left, else shortened, else left out. Earlier sections are served first,
 * so errors survive a long plan.
 */
export function fitSections(parts: readonly Section[], budget: number): { text: string; shortened: boolean } {
  let left = budget;
  let shortened = false;
  const texts: string[] = [];
  for (const part of parts) {
    let text = part.full;
    if (text.length + 1 > left) {
      shortened = true;
      text = part.shorten(left - 1);
      // Not even its short form fits: the headline's counts stand for it.
      if (text.length + 1 > left) continue;
    }
    texts.push(text);
    left -= text.length + 1;
  }
  return { text: texts.join('\n'), shortened };
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
