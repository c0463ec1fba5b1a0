import { parseDuration } from '../../model/duration.js';
import { createRule } from '../rule.js';

interface Options {
  /** The idle timeout assumed where neither the endpoint nor `defaults` gives one. */
  idleTimeout: string;
}

export default createRule<Options>({
  id: 'heartbeat-below-idle-timeout',
  severity: 'warning',
  rationale: 'Load balancers cut idle connections silently; a client without a shorter heartbeat sees random broken connections.',
  description: "An integration's keepalive is missing or not shorter than the endpoint's idle timeout.",
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      idleTimeout: {
        type: 'string', pattern: '^[0-9]{1,9}[smhd]$',
        description: "The idle timeout assumed where neither the endpoint's idleTimeout nor defaults.idleTimeout gives one.",
      },
    },
  },
  // AWS network load balancers drop idle TCP flows after 350 seconds.
  defaultOptions: { idleTimeout: '350s' },
  check({ config, index, options, report }) {
    for (const { integration, integrationPath, endpoint } of index.integrations) {
      if (!endpoint) continue;
      const idleText = endpoint.endpoint.idleTimeout ?? config.defaults?.idleTimeout ?? options.idleTimeout;
      const idle = parseDuration(idleText);
      if (idle === undefined) continue;
      const keepalive = parseDuration(integration.keepalive);
      if (keepalive === undefined) {
        report({
          path: integrationPath,
          message: `integration ${integration.name} sends no keepalive; endpoint ${endpoint.endpoint.name} cuts connections idle for ${idleText}: set keepalive below that`,
        });
      } else if (keepalive >= idle) {
        report({
          path: [...integrationPath, 'keepalive'],
          message: `keepalive ${integration.keepalive} is not shorter than the idle timeout ${idleText} of endpoint ${endpoint.endpoint.name}, so idle connections would be cut`,
        });
      }
    }
  },
});
