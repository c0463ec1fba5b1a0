import { createRule } from '../rule.js';

export default createRule({
  id: 'allowlist-required',
  severity: 'error',
  rationale: 'A public endpoint without IP filtering accepts connections from the whole internet.',
  description: 'A public endpoint has no allow entries.',
  check({ index, report }) {
    for (const { endpoint, endpointPath } of index.endpoints) {
      if (endpoint.exposure !== 'public' || (endpoint.allow?.length ?? 0) > 0) continue;
      report({
        path: endpoint.allow ? [...endpointPath, 'allow'] : endpointPath,
        message: `public endpoint ${endpoint.name} has no allow entries, so it would be open to the whole internet`,
      });
    }
  },
});
