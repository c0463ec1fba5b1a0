import { nonRoutableNames } from '../../net/special-ranges.js';
import { createRule } from '../rule.js';

export default createRule({
  id: 'non-routable-source',
  severity: 'warning',
  rationale: 'No internet client connects from a private, loopback or reserved address; such an entry is a mistake or a leftover.',
  description: 'A public endpoint admits private, loopback, link-local, shared (CGNAT), documentation, benchmarking, multicast or reserved ranges.',
  check({ index, report }) {
    const entries = [...index.allowEntries, ...index.sources];
    for (const entry of entries) {
      if (entry.endpoint?.endpoint.exposure !== 'public' || !entry.network) continue;
      const names = nonRoutableNames(entry.network);
      if (names.length === 0) continue;
      report({
        path: entry.path,
        message: `${entry.text} on public endpoint ${entry.endpoint.endpoint.name} admits ${names.join(', ')} addresses, which no internet client can come from`,
      });
    }
  },
});
