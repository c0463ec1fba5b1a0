import { createRule } from '../rule.js';

export default createRule({
  id: 'private-endpoint-allowlist',
  severity: 'warning',
  rationale: 'Private endpoints ignore IP filtering; an allowlist there gives a false sense of control.',
  description: 'A private endpoint has allow entries.',
  check({ index, report }) {
    for (const { endpoint, endpointPath } of index.endpoints) {
      if (endpoint.exposure !== 'private' || (endpoint.allow?.length ?? 0) === 0) continue;
      report({
        path: [...endpointPath, 'allow'],
        at: 'key',
        message: `private endpoint ${endpoint.name} ignores IP filtering: access is by allowed accounts, so these allow entries have no effect`,
      });
    }
  },
});
