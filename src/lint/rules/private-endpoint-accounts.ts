import { createRule } from '../rule.js';

export default createRule({
  id: 'private-endpoint-accounts',
  severity: 'error',
  rationale: 'A private endpoint is reached by the cloud accounts it allows; with none, nobody (or, on some clouds, anybody) can attach.',
  description: 'A private endpoint names no allowed accounts.',
  check({ index, report }) {
    for (const { endpoint, endpointPath } of index.endpoints) {
      if (endpoint.exposure !== 'private' || (endpoint.allowedAccounts?.length ?? 0) > 0) continue;
      report({
        path: endpoint.allowedAccounts ? [...endpointPath, 'allowedAccounts'] : endpointPath,
        message: `private endpoint ${endpoint.name} names no allowed accounts`,
      });
    }
  },
});
