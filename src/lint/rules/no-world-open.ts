import { AddressSpace } from '../../net/address-space.js';
import { createRule } from '../rule.js';
import type { CidrRef } from '../config-index.js';

const WORLD: Record<string, string> = { ipv4: 'the whole IPv4 internet', ipv6: 'the whole IPv6 internet' };

export default createRule({
  id: 'no-world-open',
  severity: 'error',
  rationale: 'A database endpoint open to every address on the internet is one leaked password away from a breach.',
  description: 'An allow entry or integration `from`, alone or together with the others of the same endpoint, covers the whole IPv4 or IPv6 internet.',
  check({ index, report }) {
    const worldOf = (entries: readonly CidrRef[]) => {
      const space = new AddressSpace();
      for (const entry of entries) if (entry.lenient) space.add(entry.lenient);
      return space.worldFamilies();
    };
    const reportGroup = (entries: readonly CidrRef[], groupPath: (string | number)[], what: string) => {
      const alone = new Set<string>();
      for (const entry of entries) {
        for (const family of worldOf([entry])) {
          alone.add(family);
          report({ path: entry.path, message: `${JSON.stringify(entry.text)} opens the endpoint to ${WORLD[family]}` });
        }
      }
      for (const family of worldOf(entries)) {
        if (alone.has(family)) continue;
        report({ path: groupPath, message: `together, the ${what} open the endpoint to ${WORLD[family]}` });
      }
    };
    for (const endpoint of index.endpoints) {
      reportGroup(index.allowEntriesOf(endpoint), [...endpoint.endpointPath, 'allow'], 'allow entries');
    }
    for (const integration of index.integrations) {
      reportGroup(integration.sources, [...integration.integrationPath, 'from'], `\`from\` entries of ${integration.integration.name}`);
    }
    for (const endpoint of index.endpoints) {
      // Integrations that are each harmless can still, between them, open the endpoint to everyone.
      const sources = index.sourcesOf(endpoint);
      const perIntegration = new Set(sources.map((source) => source.integration));
      if (perIntegration.size < 2) continue;
      const opened = worldOf(sources).filter((family) =>
        [...perIntegration].every((integration) => !worldOf(integration?.sources ?? []).includes(family)));
      for (const family of opened) {
        report({
          path: [...endpoint.endpointPath, 'name'],
          message: `together, the \`from\` entries of the integrations using ${endpoint.endpoint.name} cover ${WORLD[family]}`,
        });
      }
    }
  },
});
