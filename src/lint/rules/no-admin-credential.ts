import type { ProviderKind } from '../../model/config.js';
import { createRule } from '../rule.js';

interface Options {
  /** More user names to treat as administrative, on top of the built-in ones. */
  users: string[];
}

/** Users that hold administrative rights whatever the provider. */
const COMMON_ADMINS = ['root', 'admin', 'administrator', 'superuser', 'sa', 'mysql', 'mariadb_sys', 'rdsadmin', 'azure_superuser', 'cloudsqlsuperuser'];

/** The administrative user each provider creates for its databases. */
const PROVIDER_ADMINS: Record<ProviderKind, string[]> = {
  postgres: ['postgres'],
  aptible: ['aptible'],
  skysql: ['dbadmin'],
};

/**
 * SkySQL's default user is named after the service id: "db", three letters,
 * eight digits (`dbpwf03798702`, `dbdwf40820593`, `dbdgf42002418`).
 */
const SKYSQL_DEFAULT_USER = /^db[a-z]{3}[0-9]{8}$/;

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
    const admins = new Set([...COMMON_ADMINS, ...Object.values(PROVIDER_ADMINS).flat(), ...options.users]);
    for (const { integration, integrationPath } of index.integrations) {
      const isAdmin =
        admins.has(integration.user) || (config.provider.kind === 'skysql' && SKYSQL_DEFAULT_USER.test(integration.user));
      if (!isAdmin) continue;
      report({
        path: [...integrationPath, 'user'],
        message: `integration ${integration.name} uses ${integration.user}, an administrative user: create a user of its own with only the grants it needs`,
      });
    }
  },
});
