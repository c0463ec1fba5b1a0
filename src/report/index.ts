import type { Finding } from '../lint/finding.js';
import type { LintRun } from '../lint/run.js';
import { BUILTIN_RULES, CORE_CHECKS, PLAN_RULES } from '../lint/rules/index.js';
import { packageVersion, TOOL_URL } from '../package-info.js';
import { github } from './github.js';
import { gitlab } from './gitlab.js';
import type { ReportInput, RuleDescriptor } from './input.js';
import { json } from './json.js';
import { junit } from './junit.js';
import { markdown } from './markdown.js';
import { sarif } from './sarif.js';
import { stylish } from './stylish.js';

export const FORMATS = ['stylish', 'json', 'sarif', 'github', 'markdown', 'junit', 'gitlab'] as const;
export type Format = (typeof FORMATS)[number];

/** Every rule a finding may carry, built-in and custom, as reporters describe them. */
export function ruleDescriptors(run: Pick<LintRun, 'customRules'>): RuleDescriptor[] {
  return [
    ...CORE_CHECKS,
    ...BUILTIN_RULES.map((rule) => rule.meta),
    ...PLAN_RULES,
    ...run.customRules.map((rule) => ({ ...rule, description: rule.message })),
  ].map(({ id, severity, description, rationale, docsUrl }) => ({ id, severity, description, rationale, docsUrl }));
}

export function reportInput(run: LintRun, findings?: (file: LintRun['files'][number]) => readonly Finding[]): ReportInput {
  return {
    files: run.files.map((file) => ({ source: file.source, findings: findings?.(file) ?? file.findings, redactions: file.redactions })),
    rules: ruleDescriptors(run),
    tool: { name: 'dbfence', version: packageVersion(), informationUri: TOOL_URL },
  };
}

export function render(format: Format, input: ReportInput, options: { color: boolean }): string {
  switch (format) {
    case 'stylish':
      return stylish(input, options);
    case 'json':
      return json(input);
    case 'sarif':
      return sarif(input);
    case 'github':
      return github(input);
    case 'markdown':
      return markdown(input);
    case 'junit':
      return junit(input);
    case 'gitlab':
      return gitlab(input);
  }
}
