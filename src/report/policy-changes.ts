import { hasPolicyChanges, type PolicyChanges } from '../lint/policy-changes.js';
import { code, escapeCell } from './markdown.js';

/**
 * The section's markdown, or the empty string when the pull request changes
 * none of it. Everything from the pull request's files is escaped: they were
 * read as data, not validated.
 */
export function renderPolicyChanges(changes: PolicyChanges): string {
  if (!hasPolicyChanges(changes)) return '';
  const effect = changes.policiesFrom === 'base'
    ? `The findings below use the policies of the base commit ${code(changes.base)}; these changes take effect once merged.`
    : `The findings below use these changed policies (trust: head); the base commit is ${code(changes.base)}.`;
  const lines = [`#### ⚠️ This pull request changes what checks it`, '', effect, ''];
  const table = (head: string, rows: string[]) => {
    if (rows.length === 0) return;
    lines.push(head, `|${'---|'.repeat(head.split('|').length - 2)}`, ...rows, '');
  };
  table('| Rule | Change | Base | Pull request |', changes.rules.map((r) => `| ${code(r.id)} | ${r.kind} | ${escapeCell(r.from)} | ${escapeCell(r.to)} |`));
  table('| Rule | Option | Base | Pull request |', changes.options.map((o) => `| ${code(o.id)} | ${code(o.option)} | ${value(o.from)} | ${value(o.to)} |`));
  table('| Custom rule | Change |', changes.customRules.map((c) => `| ${code(c.id)} | ${c.kind} |`));
  if (changes.waiverPolicy) lines.push(`**In-file waivers:** ${changes.waiverPolicy.from} at the base, ${changes.waiverPolicy.to} in the pull request.`, '');
  table('| Waiver | Rules | Where | Reason | Until |', changes.waivers.map((w) => `| ${w.kind} | ${w.ruleIds.map(code).join(', ')} | ${code(w.location)} | ${w.reason === undefined ? '*none*' : escapeCell(w.reason)} | ${w.until === undefined ? '*no expiry*' : escapeCell(w.until)} |`));
  table('| Provider setting | Base | Pull request |', changes.provider.map((p) => `| ${code(p.setting)} | ${value(p.from)} | ${value(p.to)} |`));
  table('| Secret the base does not read | Where |', changes.secretReferences.map((r) => `| ${code(r.reference)} | ${code(r.where)} |`));
  if (changes.providerOutcome) lines.push(`**Provider:** ${escapeCell(changes.providerOutcome)}`, '');
  for (const problem of changes.unreadable) lines.push(`- ${escapeCell(problem)}`);
  if (changes.unreadable.length > 0) lines.push('');
  return `${lines.join('\n')}`;
}

function value(text: string | undefined): string {
  return text === undefined ? '*unset*' : code(text);
}

/** The same list as plain lines, for a terminal (`dbfence lint --policies-from REF`). */
export function policyChangesText(changes: PolicyChanges): string {
  if (!hasPolicyChanges(changes)) return '';
  const shown = (text: string | undefined) => text ?? '(unset)';
  const lines = [
    changes.policiesFrom === 'base'
      ? `Checked with the policies of ${changes.base}; your changes to what checks the file, which apply once merged:`
      : `Your changes to what checks the file, against ${changes.base}:`,
    ...changes.rules.map((r) => `  rule ${r.id}: ${r.kind} (${r.from} → ${r.to})`),
    ...changes.options.map((o) => `  rule ${o.id} option ${o.option}: ${shown(o.from)} → ${shown(o.to)}`),
    ...changes.customRules.map((c) => `  custom rule ${c.id}: ${c.kind}`),
    ...(changes.waiverPolicy ? [`  in-file waivers: ${changes.waiverPolicy.from} → ${changes.waiverPolicy.to}`] : []),
    ...changes.waivers.map((w) => `  waiver of ${w.ruleIds.join(', ')} at ${w.location}: ${w.kind}, reason ${w.reason === undefined ? '(none)' : JSON.stringify(w.reason)}, ${w.until === undefined ? 'no expiry' : `until ${w.until}`}`),
    ...changes.provider.map((p) => `  ${p.setting}: ${shown(p.from)} → ${shown(p.to)}`),
    ...changes.secretReferences.map((r) => `  reads ${r.reference} (${r.where}), which ${changes.base} does not`),
    ...(changes.providerOutcome ? [`  provider: ${changes.providerOutcome}`] : []),
    ...changes.unreadable.map((problem) => `  ${problem}`),
  ];
  return `${lines.join('\n')}\n`;
}
