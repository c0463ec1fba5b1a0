import { createRule } from '../rule.js';

export default createRule({
  id: 'integration-owner',
  severity: 'warning',
  rationale: 'Access nobody answers for is never reviewed and never removed.',
  description: 'An integration has no `owner`.',
  check({ index, report }) {
    for (const { integration, integrationPath } of index.integrations) {
      if (integration.owner) continue;
      report({ path: integrationPath, message: `integration ${integration.name} has no owner to answer for it` });
    }
  },
});
