import { summarize } from '../lint/finding.js';
import { redactedLine, type ReportInput, type ReportedFile } from './input.js';

export interface StylishOptions {
  color: boolean;
}

const codes = { red: 31, yellow: 33, gray: 90, bold: 1, underline: 4, green: 32 } as const;

/** ESLint-style output grouped by file, with the offending line quoted and underlined. */
export function stylish(input: ReportInput, { color }: StylishOptions): string {
  const paint = (style: keyof typeof codes, text: string) => (color ? `\u001b[${codes[style]}m${text}\u001b[0m` : text);
  const out: string[] = [];
  for (const file of input.files) {
    if (file.findings.length === 0) continue;
    out.push(paint('underline', file.source.name));
    for (const finding of file.findings) {
      const where = paint('gray', `${finding.line}:${finding.column}`);
      const severity = finding.severity === 'error' ? paint('red', 'error  ') : paint('yellow', 'warning');
      out.push(`  ${where}  ${severity}  ${finding.message}  ${paint('gray', finding.ruleId)}`);
      out.push(...codeFrame(file, finding.line, finding.column, finding.endLine === finding.line ? finding.endColumn : undefined)
        .map((line) => paint('gray', line)));
    }
    out.push('');
  }
  const findings = input.files.flatMap((file) => file.findings);
  const { errors, warnings } = summarize(findings);
  if (findings.length === 0) {
    out.push(paint('green', `✔ no problems in ${input.files.length} file${input.files.length === 1 ? '' : 's'}`));
  } else {
    const total = `✖ ${findings.length} problem${findings.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'})`;
    out.push(paint(errors > 0 ? 'red' : 'yellow', paint('bold', total)));
  }
  return `${out.join('\n')}\n`;
}

/** The finding's line, with a caret run under the offending text. */
function codeFrame(file: ReportedFile, line: number, column: number, endColumn: number | undefined): string[] {
  if (file.source.text === '') return [];
  const text = redactedLine(file, line);
  if (text.trim() === '') return [];
  const gutter = String(line).length;
  const width = Math.max(1, (endColumn ?? column + 1) - column);
  const shown = text.length > 160 ? `${text.slice(0, 160)}…` : text;
  return [
    `    ${String(line).padStart(gutter)} | ${shown}`,
    `    ${' '.repeat(gutter)} | ${' '.repeat(Math.max(0, column - 1))}${'^'.repeat(Math.min(width, 80))}`,
  ];
}
