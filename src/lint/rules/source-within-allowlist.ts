import { AddressSpace } from '../../net/address-space.js';
import { createRule } from '../rule.js';

export default createRule({
  id: 'source-within-allowlist',
  severity: 'error',
  rationale: "An integration whose sources are outside its endpoint's allowlist cannot connect; the file then describes access that does not exist.",
  description: "An integration's `from` is not inside its endpoint's allow entries, or it names an endpoint that does not exist.",
  check({ index, report }) {
    const unions = new Map<object, AddressSpace>();
    for (const ref of index.integrations) {
      const { integration, integrationPath, endpoint, database } = ref;
      if (!endpoint) {
        const known = (database.endpoints ?? []).map((e) => e.name);
        report({
          path: [...integrationPath, 'endpoint'],
          message: `integration ${integration.name} names endpoint ${integration.endpoint}, which database ${database.name} does not have${known.length > 0 ? ` (it has: ${known.join(', ')})` : ''}`,
        });
        continue;
      }
      if (endpoint.endpoint.exposure !== 'public') continue;
      if (ref.sources.length === 0) {
        report({
          path: integrationPath,
          message: `integration ${integration.name} connects through public endpoint ${endpoint.endpoint.name} but has no \`from\`: say where it connects from`,
        });
        continue;
      }
      let union = unions.get(endpoint);
      if (!union) {
        union = new AddressSpace();
        for (const entry of index.allowEntriesOf(endpoint)) if (entry.network) union.add(entry.network);
        unions.set(endpoint, union);
      }
      for (const source of ref.sources) {
        if (!source.network || union.contains(source.network)) continue;
        report({
          path: source.path,
          message: `${source.text} is not inside the allow entries of endpoint ${endpoint.endpoint.name}, so ${integration.name} could not connect from there`,
        });
      }
    }
  },
});
