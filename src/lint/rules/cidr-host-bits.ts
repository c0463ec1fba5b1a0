import { createRule } from '../rule.js';

export default createRule({
  id: 'cidr-host-bits',
  severity: 'error',
  rationale: 'A CIDR with host bits set is ambiguous: one tool reads the network, another refuses it, a reader guesses.',
  description: 'A CIDR has host bits set (`10.1.2.3/8`).',
  check({ index, report }) {
    for (const entry of [...index.allowEntries, ...index.sources]) {
      const network = entry.network;
      if (!network?.hostBitsSet) continue;
      const address = entry.text.slice(0, entry.text.indexOf('/'));
      const single = network.family === 'ipv4' ? 32 : 128;
      report({
        path: entry.path,
        message: `${entry.text} has host bits set: write ${network.canonical} for the network, or ${address}/${single} for the one address`,
      });
    }
  },
});
