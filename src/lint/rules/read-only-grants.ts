import { createRule } from '../rule.js';

const READ_ONLY_PRIVILEGES = new Set(['SELECT', 'USAGE']);

export default createRule({
  id: 'read-only-grants',
  severity: 'error',
  rationale: 'A reporting tool with write grants turns a leaked credential into lost or altered data.',
  description: 'A read-only integration is granted anything beyond SELECT (and USAGE on a schema); ALL is always an error.',
  check({ index, report }) {
    for (const { integration, integrationPath } of index.integrations) {
      const readOnly = (integration.access ?? 'read-only') === 'read-only';
      (integration.grants ?? []).forEach((grant, g) => {
        grant.privileges.forEach((privilege, p) => {
          const path = [...integrationPath, 'grants', g, 'privileges', p];
          if (privilege === 'ALL') {
            report({ path, message: `ALL on ${grant.table} grants every privilege, now and in future versions: list the privileges ${integration.name} needs` });
          } else if (readOnly && !READ_ONLY_PRIVILEGES.has(privilege)) {
            report({ path, message: `${integration.name} is read-only but is granted ${privilege} on ${grant.table}` });
          }
        });
      });
    }
  },
});
