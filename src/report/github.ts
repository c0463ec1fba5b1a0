import type { Finding } from '../lint/finding.js';
import type { Reporter } from './input.js';
import { reportPath } from './paths.js';

/**
 * GitHub workflow commands (`::error file=…,line=…,col=…::message`): each
 * finding becomes an annotation on the pull request's diff.
 */
export const github: Reporter = ({ files, baseDir }) =>
  files.flatMap((file) => file.findings).map((finding) => `${annotation(finding, reportPath(finding.file, baseDir))}\n`).join('');

/** `file` is the path relative to the repository's top folder, where GitHub attaches annotations. */
export function annotation(finding: Finding, file = finding.file): string {
  const command = finding.severity === 'error' ? 'error' : 'warning';
  // Columns may only be sent for a one-line range (as @actions/core documents); a
  // finding on a whole block is marked on its first line, where the block starts.
  const range = finding.endLine === finding.line ? [`endLine=${finding.endLine}`, `endColumn=${finding.endColumn}`] : [];
  const properties = [
    `file=${escapeProperty(file)}`,
    `line=${finding.line}`,
    `col=${finding.column}`,
    ...range,
    `title=${escapeProperty(`dbfence ${finding.ruleId}`)}`,
  ];
  return `::${command} ${properties.join(',')}::${escapeData(finding.message)}`;
}

/** Escaping as @actions/core does for a command's message. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escaping as @actions/core does for a command's properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
