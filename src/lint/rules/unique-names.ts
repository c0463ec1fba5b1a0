import { createRule } from '../rule.js';

export default createRule({
  id: 'unique-names',
  severity: 'error',
  rationale: 'Names are how plans, drift and findings point at things; two of the same make every reference ambiguous.',
  description: 'Two databases, endpoints, hostnames or integrations share a name.',
  check({ index, report }) {
    const check = (kind: string, items: { name: string | undefined; path: (string | number)[] }[]) => {
      const seen = new Set<string>();
      for (const { name, path } of items) {
        if (name === undefined) continue;
        if (seen.has(name)) report({ path, message: `${kind} ${name} is declared more than once` });
        else seen.add(name);
      }
    };
    check('database', index.databases.map(({ database, path }) => ({ name: database.name, path: [...path, 'name'] })));
    check('endpoint', index.endpoints.map(({ endpoint, endpointPath }) => ({ name: endpoint.name, path: [...endpointPath, 'name'] })));
    check('hostname', index.endpoints.map(({ endpoint, endpointPath }) => ({ name: endpoint.hostname, path: [...endpointPath, 'hostname'] })));
    check('integration', index.integrations.map(({ integration, integrationPath }) => ({ name: integration.name, path: [...integrationPath, 'name'] })));
  },
});
