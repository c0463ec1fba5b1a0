import { describe, expect, it } from 'vitest';
import { json } from '../../src/report/json.js';
import { CLEAN_YAML, FINDINGS_YAML, input, linted } from './helpers.js';

describe('json', () => {
  it('prints the spec\'s object: findings with 1-based positions, their rule\'s documentation, and a summary', async () => {
    const report = JSON.parse(json(input(await linted('endpoints.yaml', FINDINGS_YAML)))) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(['findings', 'summary']);
    expect(report.summary).toEqual({ errors: 2, warnings: 2 });
    expect((report.findings as unknown[])[1]).toEqual({
      ruleId: 'no-world-open',
      severity: 'error',
      message: '"0.0.0.0/0" opens the endpoint to the whole IPv4 internet',
      file: 'endpoints.yaml',
      path: 'databases[0].endpoints[0].allow[0].cidr',
      line: 14,
      column: 19,
      endLine: 14,
      endColumn: 28,
      docsUrl: 'https://github.com/dbfence/dbfence/blob/main/docs/rules/no-world-open.md',
    });
  });

  it('has both keys when there is nothing to report', async () => {
    expect(JSON.parse(json(input(await linted('endpoints.yaml', CLEAN_YAML))))).toEqual({ findings: [], summary: { errors: 0, warnings: 0 } });
    expect(JSON.parse(json(input()))).toEqual({ findings: [], summary: { errors: 0, warnings: 0 } });
  });

  it('puts the findings of every file in one list', async () => {
    const report = JSON.parse(json(input(await linted('a.yaml', FINDINGS_YAML), await linted('b.yaml', FINDINGS_YAML)))) as { findings: { file: string }[] };
    expect(report.findings.map((finding) => finding.file)).toEqual(['a.yaml', 'a.yaml', 'a.yaml', 'a.yaml', 'b.yaml', 'b.yaml', 'b.yaml', 'b.yaml']);
  });

  it('ends with a newline, so a shell prompt does not follow the closing brace', () => {
    expect(json(input())).toMatch(/}\n$/);
  });
});
