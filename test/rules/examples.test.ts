import { CORE_CHECKS } from '../../src/lint/rules/index.js';
import { exampleRuleIds } from '../../src/lint/rules/examples/load.js';
import { testRuleExamples } from './harness.js';

const unwaivable = new Set(CORE_CHECKS.map((check) => check.id));

// Every examples file, good and bad: the same examples the rule pages in docs/rules/ show.
for (const ruleId of exampleRuleIds()) testRuleExamples(ruleId, { waivable: !unwaivable.has(ruleId) });
