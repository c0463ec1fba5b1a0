import { createRule } from '../rule.js';
import type { IntegrationRef } from '../config-index.js';

export default createRule({
  id: 'unique-user-per-integration',
  severity: 'error',
  rationale: 'A user shared by two systems cannot be rotated, revoked or audited for one of them alone.',
  description: 'Two integrations use the same database user.',
  check({ index, report }) {
    const first = new Map<string, IntegrationRef>();
    for (const ref of index.integrations) {
      const { user, name } = ref.integration;
      const owner = first.get(user);
      if (!owner) {
        first.set(user, ref);
        continue;
      }
      report({
        path: [...ref.integrationPath, 'user'],
        message: `integration ${name} uses database user ${user}, already used by integration ${owner.integration.name}: give each integration its own user`,
      });
    }
  },
});
