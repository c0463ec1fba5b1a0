import { createRule } from '../rule.js';

const WEAK_TLS = new Set(['1.0', '1.1']);

export default createRule({
  id: 'tls-verify-full',
  severity: 'error',
  rationale: 'A client that does not check the certificate chain and hostname can be handed to any machine in the middle.',
  description: "An integration's client does not verify both the certificate chain and the hostname, or an endpoint allows TLS below 1.2.",
  check({ index, report }) {
    for (const { integration, integrationPath } of index.integrations) {
      const verify = integration.tls?.verify;
      if (verify === 'full') continue;
      if (verify === undefined) {
        report({
          path: integration.tls ? [...integrationPath, 'tls'] : integrationPath,
          message: `integration ${integration.name} does not say how its client verifies the server: set tls.verify to full`,
        });
      } else {
        const what = verify === 'ca' ? 'checks the certificate chain but not the hostname' : 'does not verify the server at all';
        report({ path: [...integrationPath, 'tls', 'verify'], message: `integration ${integration.name}'s client ${what}: set tls.verify to full` });
      }
    }
    for (const { endpoint, endpointPath } of index.endpoints) {
      const minVersion = endpoint.tls?.minVersion;
      if (minVersion === undefined || !WEAK_TLS.has(minVersion)) continue;
      report({
        path: [...endpointPath, 'tls', 'minVersion'],
        message: `endpoint ${endpoint.name} accepts TLS ${minVersion}, which has known weaknesses: require 1.2 or later`,
      });
    }
  },
});
