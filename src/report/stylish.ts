import { summarize } from '../lint/finding.js';
import { redactedLines, type ReportInput } from './input.js';

export interface StylishOptions {
  color: boolean;
}

const codes = { red: 31, yellow: 33, gray: 90, bold: 1, underline: 4, green: 32 } as const;

/** How much of a source line a code frame quotes, and how much of it comes before the finding. */
const FRAME_WIDTH = 160;
const FRAME_LEAD = 40;

/** ESLint-style output grouped by file, with the offending line quoted and underlined. */
export function stylish(input: ReportInput, { color }: StylishOptions): string {
  const paint = (style: keyof typeof codes, text: string) => (color ? `\u001b[${codes[style]}m${text}\u001b[0m` : text);
  const out: string[] = [];
  for (const file of input.files) {
    if (file.findings.length === 0) continue;
    out.push(paint('underline', printable(file.source.name)));
    const lineOf = redactedLines(file);
    for (const finding of file.findings) {
      const where = paint('gray', `${finding.line}:${finding.column}`);
      const severity = finding.severity === 'error' ? paint('red', 'error  ') : paint('yellow', 'warning');
      out.push(`  ${where}  ${severity}  ${printable(finding.message)}  ${paint('gray', finding.ruleId)}`);
      out.push(...codeFrame(lineOf(finding.line), finding.line, finding.column, finding.endLine === finding.line ? finding.endColumn : undefined)
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

/**
 * The finding's line (secrets masked), with a caret run under the offending
 * text. A long line is cut to a window around the finding, so the carets stay
 * on screen and a megabyte line prints as one screen line.
 */
function codeFrame(text: string, line: number, column: number, endColumn: number | undefined): string[] {
  if (text.trim() === '') return [];
  const start = column - 1 > FRAME_WIDTH - FRAME_LEAD ? column - 1 - FRAME_LEAD : 0;
  const end = start + FRAME_WIDTH;
  const shown = `${start > 0 ? '…' : ''}${printable(text.slice(start, end))}${text.length > end ? '…' : ''}`;
  const caretAt = column - 1 - start + (start > 0 ? 1 : 0);
  const width = Math.min(Math.max(1, (endColumn ?? column + 1) - column), Math.max(1, shown.length - caretAt));
  const gutter = String(line).length;
  return [
    `    ${line} | ${shown}`,
    `    ${' '.repeat(gutter)} | ${' '.repeat(caretAt)}${'^'.repeat(width)}`,
  ];
}

/**
 * One character for one: a tab becomes a space so the carets line up, and a
 * control character becomes U+FFFD so the file cannot drive the terminal.
 */
export function printable(text: string): string {
  return text.replace(/\t/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
}
