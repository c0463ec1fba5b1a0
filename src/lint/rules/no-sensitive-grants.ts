import { createRule } from '../rule.js';

export default createRule({
  id: 'no-sensitive-grants',
  severity: 'error',
  rationale: 'Tables marked sensitive (credentials, personal data) must never leave through an integration, not even by a wildcard.',
  description: 'A grant reaches a table listed in `sensitive`, directly or through `schema.*`.',
  check({ index, report }) {
    for (const { database, integration, integrationPath } of index.integrations) {
      const sensitive = database.sensitive ?? [];
      if (sensitive.length === 0) continue;
      (integration.grants ?? []).forEach((grant, g) => {
        const schema = grant.table.endsWith('.*') ? grant.table.slice(0, -2) : undefined;
        const reached = sensitive.filter((table) => table === grant.table || (schema !== undefined && table.startsWith(`${schema}.`)));
        if (reached.length === 0) return;
        report({
          path: [...integrationPath, 'grants', g, 'table'],
          message: schema
            ? `${grant.table} reaches the sensitive table${reached.length > 1 ? 's' : ''} ${reached.join(', ')}: grant the tables ${integration.name} needs one by one`
            : `${grant.table} is listed as sensitive in database ${database.name}; no integration may be granted it`,
        });
      });
    }
  },
});
