import { addressCount } from '../../net/cidr.js';
import { createRule } from '../rule.js';

interface Options {
  /** The most IPv4 addresses one entry may admit. */
  ipv4MaxAddresses: number;
  /** The shortest IPv6 prefix one entry may have. */
  ipv6MinPrefixLength: number;
}

export default createRule<Options>({
  id: 'allowlist-breadth',
  severity: 'error',
  rationale: 'A broad range admits thousands of machines nobody vetted; an allowlist should name where clients really are.',
  description: 'One allow entry admits more than a configurable number of addresses (default: more than a /16, or an IPv6 prefix shorter than /48).',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ipv4MaxAddresses: { type: 'integer', minimum: 1, maximum: 4294967296 },
      ipv6MinPrefixLength: { type: 'integer', minimum: 0, maximum: 128 },
    },
  },
  defaultOptions: { ipv4MaxAddresses: 65536, ipv6MinPrefixLength: 48 },
  check({ index, options, report }) {
    for (const entry of index.allowEntries) {
      const network = entry.network ?? entry.lenient;
      if (!network) continue;
      if (network.family === 'ipv4' && addressCount(network) > BigInt(options.ipv4MaxAddresses)) {
        report({
          path: entry.path,
          message: `${entry.text} admits ${addressCount(network).toLocaleString('en-US')} addresses, more than the ${options.ipv4MaxAddresses.toLocaleString('en-US')} allowed for one entry`,
        });
      }
      if (network.family === 'ipv6' && network.prefix < options.ipv6MinPrefixLength) {
        report({
          path: entry.path,
          message: `${entry.text} is broader than a /${options.ipv6MinPrefixLength}, the broadest IPv6 entry allowed`,
        });
      }
    }
  },
});
