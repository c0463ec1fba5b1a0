import { addressCount, mappedIpv4Range, type Network } from '../../net/cidr.js';
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
      ipv4MaxAddresses: {
        type: 'integer', minimum: 1, maximum: 4294967296,
        description: 'The most IPv4 addresses one allow entry may admit (65536 is a /16). IPv4-mapped IPv6 entries count as IPv4.',
      },
      ipv6MinPrefixLength: {
        type: 'integer', minimum: 0, maximum: 128,
        description: 'The shortest prefix an IPv6 allow entry may have (48 allows a /48 and narrower).',
      },
    },
  },
  defaultOptions: { ipv4MaxAddresses: 65536, ipv6MinPrefixLength: 48 },
  check({ index, options, report }) {
    for (const entry of index.allowEntries) {
      const network = entry.network ?? entry.lenient;
      if (!network) continue;
      if (network.family === 'ipv6' && network.prefix < options.ipv6MinPrefixLength) {
        report({
          path: entry.path,
          message: `${entry.text} is broader than a /${options.ipv6MinPrefixLength}, the broadest IPv6 entry allowed`,
        });
        continue;
      }
      const ipv4 = ipv4Count(network);
      if (ipv4 > BigInt(options.ipv4MaxAddresses)) {
        const via = network.family === 'ipv6' ? ' (as IPv4-mapped IPv6 addresses)' : '';
        report({
          path: entry.path,
          message: `${entry.text} admits ${ipv4.toLocaleString('en-US')} IPv4 addresses${via}, more than the ${options.ipv4MaxAddresses.toLocaleString('en-US')} allowed for one entry`,
        });
      }
    }
  },
});

/** The IPv4 addresses a network admits, directly or through the IPv4-mapped block (`::ffff:0:0/96`). */
function ipv4Count(network: Network): bigint {
  if (network.family === 'ipv4') return addressCount(network);
  const mapped = mappedIpv4Range(network);
  return mapped ? mapped.last - mapped.first + 1n : 0n;
}
