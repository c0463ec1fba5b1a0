export type Severity = 'error' | 'warning';

/** One problem, as every output format shows it. The JSON shape is the spec's contract. */
export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  file: string;
  /** The document path of the node, e.g. `databases[0].endpoints[0].allow[1].cidr`. */
  path: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface Summary {
  errors: number;
  warnings: number;
}

export function summarize(findings: readonly Finding[]): Summary {
  let errors = 0;
  for (const finding of findings) if (finding.severity === 'error') errors++;
  return { errors, warnings: findings.length - errors };
}

/** Findings in reading order: by file, then line, then column. */
export function compareFindings(a: Finding, b: Finding): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId);
}
