import { parseArgs } from 'node:util';
import { loadRuleSet, resolvePoliciesDir } from '../../lint/run.js';
import { ruleDescriptors } from '../../report/index.js';
import type { CommandResult } from '../main.js';

export const RULES_HELP = `Usage: dbfence rules [--policies DIR] [--json]

Lists every rule: id, severity in effect, what it checks and its documentation.`;

export async function rulesCommand(argv: string[]): Promise<CommandResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      policies: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { exitCode: 0, stdout: `${RULES_HELP}\n` };
  const policiesDir = resolvePoliciesDir('endpoints.yaml', values.policies);
  const { ruleSet, customRules } = await loadRuleSet(policiesDir);
  const effective = new Map<string, string>([
    ...ruleSet.rules.map(({ rule, severity }) => [rule.meta.id, severity] as const),
    ...ruleSet.custom.map((rule) => [rule.id, rule.severity] as const),
    ...ruleSet.planSeverity,
  ]);
  const rows = ruleDescriptors({ customRules }).map((rule) => ({
    ...rule,
    severity: effective.get(rule.id) ?? (['syntax', 'schema', 'waiver', 'unused-waiver'].includes(rule.id) ? rule.severity : 'off'),
  }));
  if (values.json) return { exitCode: 0, stdout: `${JSON.stringify(rows, null, 2)}\n` };
  const width = Math.max(...rows.map((row) => row.id.length));
  const lines = rows.map((row) =>
    `${row.id.padEnd(width)}  ${row.severity.padEnd(7)}  ${row.description}${row.docsUrl ? `\n${' '.repeat(width + 11)}${row.docsUrl}` : ''}`);
  return { exitCode: 0, stdout: `${lines.join('\n')}\n` };
}
