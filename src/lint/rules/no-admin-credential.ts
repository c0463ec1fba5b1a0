import { DESCRIPTORS, descriptorOf } from '../../providers/descriptors.js';
import { createRule } from '../rule.js';

interface Options {
  /** More user names to treat as administrative, on top of the built-in ones. */
  users: string[];
}

/** Users that hold administrative rights whatever the provider. */
const COMMON_ADMINS = ['root', 'admin', 'administrator', 'superuser', 'sa', 'mysql', 'mariadb_sys', 'rdsadmin', 'azure_superuser', 'cloudsqlsuperuser'];

export default createRule<Options>({
  id: 'no-admin-credential',
  severity: 'error',
  rationale: "An integration holding the provider's administrative user can do anything, and its leak exposes everything.",
  description: "An integration uses the provider's administrative user (`postgres`, `aptible`, `root`, the provider's default user).",
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      users: {
        type: 'array', items: { type: 'string' },
        description: 'More user names to treat as administrative, on top of the built-in ones (e.g. a house superuser).',
      },
    },
  },
  defaultOptions: { users: [] },
  check({ config, index, options, report }) {
    // Every provider's administrative users, not only this one's: a file moved between providers keeps its users.
    const admins = new Set([...COMMON_ADMINS, ...DESCRIPTORS.flatMap((descriptor) => descriptor.adminUsers), ...options.users]);
    const isProviderAdmin = descriptorOf(config.provider).isAdminUser;
    for (const { integration, integrationPath } of index.integrations) {
      const isAdmin = admins.has(integration.user) || (isProviderAdmin?.(integration.user) ?? false);
      if (!isAdmin) continue;
      report({
        path: [...integrationPath, 'user'],
        message: `integration ${integration.name} uses ${integration.user}, an administrative user: create a user of its own with only the grants it needs`,
      });
    }
  },
});
