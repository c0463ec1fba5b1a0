import type { Finding } from '../../src/lint/finding.js';
import { lintDocument } from '../../src/lint/engine.js';
import { loadRuleSet } from '../../src/lint/run.js';
import { parseYaml } from '../../src/model/parse.js';
import { SourceFile } from '../../src/model/source.js';
import { ruleDescriptors } from '../../src/report/index.js';
import type { ReportedFile, ReportInput } from '../../src/report/input.js';

export const TOOL = { name: 'dbfence', version: '9.9.9', informationUri: 'https://github.com/dbfence/dbfence' };

/** A file as the linter reports it: parsed, linted with the built-in pack. */
export async function linted(name: string, text: string): Promise<ReportedFile> {
  const { ruleSet } = await loadRuleSet(undefined);
  const file = lintDocument(parseYaml(name, text), ruleSet, { today: '2026-01-15' });
  return { source: file.source, findings: file.findings, redactions: file.redactions };
}

export function input(...files: ReportedFile[]): ReportInput {
  return { files, rules: ruleDescriptors({ customRules: [] }), tool: TOOL };
}

/** A finding made by hand, for what no built-in rule says (a `%`, a newline, a `|`). */
export function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'no-world-open', severity: 'error', message: 'open to the world', file: 'endpoints.yaml',
    path: 'databases[0].endpoints[0].allow[0].cidr', line: 3, column: 11, endLine: 3, endColumn: 20, ...overrides,
  };
}

export function fileWith(findings: Finding[], text = 'version: 1\nallow:\n  - cidr: 0.0.0.0/0\n'): ReportedFile {
  return { source: new SourceFile(findings[0]?.file ?? 'endpoints.yaml', text), findings, redactions: [] };
}

/** The header every file below shares: a valid provider. */
export const HEADER = `version: 1
provider:
  kind: postgres
  adminUrl: { fromEnv: DBFENCE_PG_ADMIN_URL }
`;

/** One public endpoint open to the world, one integration without an owner: two errors, two warnings. */
export const FINDINGS_YAML = `${HEADER}databases:
  - name: orders
    engine: postgresql
    endpoints:
      - name: orders-public
        exposure: public
        hostname: orders.db.example.com
        port: 5432
        allow:
          - cidr: 0.0.0.0/0
    integrations:
      - name: metabase
        user: metabase_ro
        endpoint: orders-public
        from: [52.20.10.10/32]
        grants:
          - table: public.orders
            privileges: [SELECT]
        tls:
          verify: full
        keepalive: 5m
        credentials:
          password: { fromEnv: METABASE_DB_PASSWORD }
`;

export const CLEAN_YAML = FINDINGS_YAML
  .replace('- cidr: 0.0.0.0/0', '- cidr: 52.20.10.10/32')
  .replace('      - name: metabase\n', '      - name: metabase\n        owner: data@example.com\n');

/**
 * A PEM header built at run time, so that no source file of the repository
 * holds one for secret scanners to stop on.
 */
export const PEM_BEGIN = ['-----BEGIN', 'PRIVATE', 'KEY-----'].join(' ');
export const PEM_END = ['-----END', 'PRIVATE', 'KEY-----'].join(' ');
export const PEM_BODY = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7';
