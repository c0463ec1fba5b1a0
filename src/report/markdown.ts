import { summarize } from '../lint/finding.js';
import type { ReportInput } from './input.js';

/** Markdown table of findings, for job summaries and pull-request comments. */
export function markdown(input: ReportInput): string {
  const findings = input.files.flatMap((file) => file.findings);
  const { errors, warnings } = summarize(findings);
  const docs = new Map(input.rules.map((rule) => [rule.id, rule.docsUrl]));
  const lines = [`### dbfence lint: ${findings.length === 0 ? 'no problems' : `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`}`, ''];
  if (findings.length === 0) {
    lines.push(`Checked ${input.files.map((file) => code(file.source.name)).join(', ')}: nothing to report.`);
    return `${lines.join('\n')}\n`;
  }
  lines.push('| | Location | Rule | Message |', '|---|---|---|---|');
  for (const finding of findings) {
    const icon = finding.severity === 'error' ? '🔴' : '🟡';
    const url = docs.get(finding.ruleId);
    const rule = url && /^https?:\/\/[^\s()<>]+$/.test(url) ? `[${code(finding.ruleId)}](${url})` : code(finding.ruleId);
    lines.push(`| ${icon} | ${code(`${finding.file}:${finding.line}:${finding.column}`)} | ${rule} | ${escapeCell(finding.message)} |`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Keeps a message inside its table cell and stops it from rendering markup.
 * Backticks stay: messages use them to mark keys of the file as code.
 */
export function escapeCell(text: string): string {
  return oneLine(text)
    .replace(/[\\|*_[\]~]/g, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

/** A code span that survives any text: a fence longer than the text's backtick runs, pipes escaped for the table. */
export function code(text: string): string {
  // A loop, not Math.max(...runs): a text with a million backtick runs would overflow the call stack.
  let longest = 0;
  for (const [run] of text.matchAll(/`+/g)) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 ? ' ' : '';
  return `${fence}${pad}${oneLine(text).replace(/\|/g, '\\|')}${pad}${fence}`;
}

function oneLine(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ');
}
