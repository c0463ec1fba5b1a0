import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/lint/finding.js';
import {
  lintExample, loadRuleExamples, type RuleExample, waivedExample,
} from '../../src/lint/rules/examples/load.js';

/**
 * Checks compared in every example: an example that breaks the file's form
 * would silence every rule that needs a valid file, and pass for the wrong reason.
 */
const ALWAYS_COMPARED = ['syntax', 'schema'];

type Located = Pick<Finding, 'ruleId' | 'path' | 'line' | 'column'>;

function byPosition(a: Located, b: Located): number {
  return a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId) || a.path.localeCompare(b.path);
}

function located({ ruleId, path, line, column }: Located): Located {
  return { ruleId, path, line, column };
}

/**
 * The findings an example is judged on. A good example must produce exactly
 * the findings it lists (of other rules; usually none). A bad example must
 * produce exactly its findings among those of its rule, the form checks and
 * any other rule it names; the rest (say, allowlist-breadth beside
 * no-world-open on 0.0.0.0/0) is another examples file's business.
 */
function judgedFindings(ruleId: string, kind: 'good' | 'bad', example: RuleExample): { actual: Located[]; expected: Located[] } {
  const findings = lintExample(ruleId, example);
  const compared = new Set([ruleId, ...ALWAYS_COMPARED, ...example.findings.map((finding) => finding.ruleId)]);
  const actual = findings.filter((finding) => kind === 'good' || compared.has(finding.ruleId)).map(located);
  return { actual: actual.sort(byPosition), expected: example.findings.map(located).sort(byPosition) };
}

/**
 * Runs every good and bad example of one rule as a test, Spectral `testRule`
 * style: paths and positions are asserted. For a rule that can be waived, the
 * waiver its page shows is tested too.
 */
export function testRuleExamples(ruleId: string, options: { waivable: boolean }): void {
  const examples = loadRuleExamples(ruleId);
  describe(ruleId, () => {
    if (options.waivable) {
      it('is silenced by the waiver its page shows', () => {
        const { waived, ...example } = waivedExample(examples);
        const findings = lintExample(ruleId, example);
        expect(findings.filter((finding) => finding.ruleId === ruleId && finding.path === waived.path)).toEqual([]);
        expect(findings.filter((finding) => finding.ruleId === 'waiver' || finding.ruleId === 'unused-waiver')).toEqual([]);
      });
    }
    for (const kind of ['good', 'bad'] as const) {
      describe(kind, () => {
        for (const example of examples[kind]) {
          it(example.title, () => {
            const { actual, expected } = judgedFindings(ruleId, kind, example);
            expect(actual).toEqual(expected);
          });
        }
      });
    }
  });
}
