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
        const reached = sensitive.filter((table) => reaches(grant.table, table));
        if (reached.length === 0) return;
        let message: string;
        if (grant.table.endsWith('.*')) {
          message = `${grant.table} reaches the sensitive table${reached.length > 1 ? 's' : ''} ${reached.join(', ')}: grant the tables ${integration.name} needs one by one, none of them sensitive`;
        } else if (reached.includes(grant.table)) {
          message = `${grant.table} is listed as sensitive in database ${database.name}; no integration may be granted it`;
        } else {
          message = `${grant.table} is in a schema database ${database.name} lists as sensitive (${reached.join(', ')}); no integration may be granted it`;
        }
        report({ path: [...integrationPath, 'grants', g, 'table'], message });
      });
    }
  },
});

/** True when a grant on `granted` reaches `sensitive`; either may be a whole schema (`schema.*`). */
function reaches(granted: string, sensitive: string): boolean {
  const schemaOf = (table: string) => table.slice(0, table.indexOf('.'));
  const wholeSchema = granted.endsWith('.*') || sensitive.endsWith('.*');
  return granted === sensitive || (wholeSchema && schemaOf(granted) === schemaOf(sensitive));
}
