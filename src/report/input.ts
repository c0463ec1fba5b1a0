import type { Finding, Severity } from '../lint/finding.js';
import type { OffsetRange } from '../model/locations.js';
import type { SourceFile } from '../model/source.js';
import { maskSecretsInLine } from './redact.js';

/** What a reporter knows of a rule: enough for SARIF's rule table and for help links. */
export interface RuleDescriptor {
  id: string;
  severity: Severity;
  description: string;
  rationale: string;
  docsUrl: string | undefined;
}

export interface ReportedFile {
  source: SourceFile;
  findings: readonly Finding[];
  /** Source ranges holding secrets: masked in any quoted source line. */
  redactions: readonly OffsetRange[];
}

export interface ReportInput {
  files: readonly ReportedFile[];
  rules: readonly RuleDescriptor[];
  tool: { name: string; version: string; informationUri: string };
}

export type Reporter = (input: ReportInput) => string;

/**
 * A source line with every secret in it replaced by asterisks: the ranges the
 * parsed document marked, and anything that looks like a secret on the line.
 */
export function redactedLine(file: ReportedFile, line: number): string {
  const text = file.source.lineText(line);
  const lineStart = file.source.lineCounter.lineStarts[line - 1] ?? 0;
  let out = text;
  for (const { start, end } of file.redactions) {
    const from = Math.max(start - lineStart, 0);
    const to = Math.min(end - lineStart, text.length);
    if (from >= to) continue;
    out = out.slice(0, from) + '*'.repeat(to - from) + out.slice(to);
  }
  return maskSecretsInLine(out);
}
