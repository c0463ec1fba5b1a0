import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding } from '../lint/finding.js';
import { Fingerprints } from './fingerprint.js';
import type { ReportInput, RuleDescriptor } from './input.js';
import { reportPath } from './paths.js';

const LEVEL = { error: 'error', warning: 'warning' } as const;

/** GitHub ranks alerts by `security-severity` (0–10): errors high, warnings medium. */
const SECURITY_SEVERITY = { error: '8.0', warning: '5.0' } as const;

/**
 * SARIF 2.1.0 for GitHub code scanning: one run, every rule once with its help
 * link and default level, every result with a region and a fingerprint that
 * survives edits elsewhere in the file.
 */
export function sarif(input: ReportInput): string {
  const findings = input.files.flatMap((file) => file.findings);
  // Keyed by id: GitHub rejects a log whose rule table holds an id twice.
  const rules = new Map<string, RuleDescriptor>();
  for (const rule of input.rules) if (!rules.has(rule.id)) rules.set(rule.id, rule);
  for (const finding of findings) {
    if (rules.has(finding.ruleId)) continue;
    rules.set(finding.ruleId, { id: finding.ruleId, severity: finding.severity, description: finding.ruleId, rationale: finding.ruleId, docsUrl: undefined });
  }
  const ruleIndex = new Map([...rules.keys()].map((id, i) => [id, i]));
  const fingerprints = new Fingerprints();
  const result = (finding: Finding, file: string) => ({
    ruleId: finding.ruleId,
    ruleIndex: ruleIndex.get(finding.ruleId),
    level: LEVEL[finding.severity],
    message: { text: finding.message },
    locations: [{
      physicalLocation: { artifactLocation: artifactLocation(file), region: region(finding) },
      ...(finding.path ? { logicalLocations: [{ fullyQualifiedName: finding.path, kind: 'member' }] } : {}),
    }],
    partialFingerprints: { 'dbfence/v1': fingerprints.of(finding, file) },
  });
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
          rules: [...rules.values()].map(sarifRule),
        },
      },
      originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The repository root.' } } },
      results: findings.map((finding) => result(finding, reportPath(finding.file, input.baseDir))),
    }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function sarifRule(rule: RuleDescriptor) {
  // A custom rule's `docs` may be any text; SARIF wants an absolute URI in helpUri.
  const helpUri = rule.docsUrl && /^https?:\/\//.test(rule.docsUrl) && URL.canParse(rule.docsUrl) ? rule.docsUrl : undefined;
  const docs = rule.docsUrl ? `\n\nSee ${rule.docsUrl}` : '';
  // No `name`: the ids are already readable, and a name equal to the id is flagged by the SARIF validator.
  return {
    id: rule.id,
    shortDescription: { text: rule.description },
    fullDescription: { text: rule.rationale },
    ...(helpUri ? { helpUri } : {}),
    // GitHub shows help, not helpUri, so the link is repeated there.
    help: { text: `${rule.rationale}${docs}`, markdown: `${rule.rationale}${helpUri ? `\n\n[Documentation](${helpUri})` : docs}` },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: { tags: ['security', 'dbfence'], 'security-severity': SECURITY_SEVERITY[rule.severity], precision: 'very-high' },
  };
}

/**
 * A path inside the repository is relative to %SRCROOT%, as GitHub expects;
 * one outside it (an absolute path) is a file: URI.
 */
function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  return { uri: file.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

/** 1-based, never empty: GitHub refuses a result without a region or on line 0. */
function region(finding: Finding) {
  const startLine = Math.max(1, finding.line);
  const startColumn = Math.max(1, finding.column);
  const endLine = Math.max(startLine, finding.endLine);
  const endColumn = endLine === startLine ? Math.max(finding.endColumn, startColumn + 1) : Math.max(1, finding.endColumn);
  return { startLine, startColumn, endLine, endColumn };
}
