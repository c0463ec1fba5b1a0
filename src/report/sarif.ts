import { createHash } from 'node:crypto';
import type { Finding } from '../lint/finding.js';
import type { ReportInput, RuleDescriptor } from './input.js';

const LEVEL = { error: 'error', warning: 'warning' } as const;

/** GitHub ranks alerts by `security-severity` (0–10): errors high, warnings medium. */
const SECURITY_SEVERITY = { error: '8.0', warning: '5.0' } as const;

/**
 * SARIF 2.1.0 for GitHub code scanning: one run, every rule with its help
 * link and default level, every result with a region and a fingerprint that
 * survives edits elsewhere in the file.
 */
export function sarif(input: ReportInput): string {
  const findings = input.files.flatMap((file) => file.findings);
  const known = new Map(input.rules.map((rule) => [rule.id, rule]));
  const rules: RuleDescriptor[] = [...input.rules];
  for (const finding of findings) {
    if (known.has(finding.ruleId)) continue;
    const rule: RuleDescriptor = { id: finding.ruleId, severity: finding.severity, description: finding.ruleId, rationale: finding.ruleId, docsUrl: undefined };
    known.set(finding.ruleId, rule);
    rules.push(rule);
  }
  const ruleIndex = new Map(rules.map((rule, i) => [rule.id, i]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: input.tool.name,
          version: input.tool.version,
          semanticVersion: input.tool.version,
          informationUri: input.tool.informationUri,
          rules: rules.map(sarifRule),
        },
      },
      originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The repository root, where dbfence ran.' } } },
      results: findings.map((finding) => ({
        ruleId: finding.ruleId,
        ruleIndex: ruleIndex.get(finding.ruleId),
        level: LEVEL[finding.severity],
        message: { text: finding.message },
        locations: [{
          physicalLocation: {
            artifactLocation: { uri: encodeURI(finding.file), uriBaseId: '%SRCROOT%' },
            region: {
              startLine: finding.line,
              startColumn: finding.column,
              endLine: finding.endLine,
              endColumn: Math.max(finding.endColumn, finding.endLine === finding.line ? finding.column + 1 : 1),
            },
          },
          ...(finding.path ? { logicalLocations: [{ fullyQualifiedName: finding.path, kind: 'member' }] } : {}),
        }],
        partialFingerprints: { 'dbfence/v1': fingerprint(finding) },
      })),
    }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function sarifRule(rule: RuleDescriptor) {
  const help = `${rule.rationale}${rule.docsUrl ? `\n\nSee ${rule.docsUrl}` : ''}`;
  return {
    id: rule.id,
    name: rule.id.replace(/(^|-)([a-z])/g, (_: string, __: string, c: string) => c.toUpperCase()),
    shortDescription: { text: rule.description },
    fullDescription: { text: rule.rationale },
    ...(rule.docsUrl ? { helpUri: rule.docsUrl } : {}),
    help: { text: help, markdown: `${rule.rationale}${rule.docsUrl ? `\n\n[Documentation](${rule.docsUrl})` : ''}` },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: { tags: ['security', 'dbfence'], 'security-severity': SECURITY_SEVERITY[rule.severity], precision: 'very-high' },
  };
}

/**
 * Keyed on the rule, file and document path, not the line: an alert keeps its
 * identity when lines above it move.
 */
function fingerprint(finding: Finding): string {
  return createHash('sha256').update(`${finding.ruleId}\u0000${finding.file}\u0000${finding.path}\u0000${finding.message}`).digest('hex').slice(0, 32);
}
