import { summarize } from '../lint/finding.js';
import type { ReportInput } from './input.js';

/** Markdown table of findings, for job summaries and pull-request comments. */
export function markdown(input: ReportInput): string {
  const findings = input.files.flatMap((file) => file.findings);
  const { errors, warnings } = summarize(findings);
  const docs = new Map(input.rules.map((rule) => [rule.id, rule.docsUrl]));
  const lines = [`### dbfence lint: ${findings.length === 0 ? 'no problems' : `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`}`, ''];
  if (findings.length === 0) {
    lines.push(`Checked ${input.files.map((file) => `\`${file.source.name}\``).join(', ')}: nothing to report.`);
    return `${lines.join('\n')}\n`;
  }
  lines.push('| | Location | Rule | Message |', '|---|---|---|---|');
  for (const finding of findings) {
    const icon = finding.severity === 'error' ? '🔴' : '🟡';
    const url = docs.get(finding.ruleId);
    const rule = url ? `[\`${finding.ruleId}\`](${url})` : `\`${finding.ruleId}\``;
    lines.push(`| ${icon} | \`${finding.file}:${finding.line}:${finding.column}\` | ${rule} | ${escapeCell(finding.message)} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** Keeps a message inside its table cell and stops it from rendering markup. */
export function escapeCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')).replace(/\r?\n/g, ' ');
}
