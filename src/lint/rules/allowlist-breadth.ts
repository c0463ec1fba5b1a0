import { AddressSpace } from '../../net/address-space.js';
import type { Family, Network } from '../../net/cidr.js';
import { createRule } from '../rule.js';

interface Options {
  /** The most IPv4 addresses one entry may admit. */
  ipv4MaxAddresses: number;
  /** The shortest IPv6 prefix one entry may have. */
  ipv6MinPrefixLength: number;
  /** The most IPv4 addresses all the entries of one endpoint may admit together. */
  ipv4MaxAddressesPerEndpoint: number;
  /** The IPv6 addresses all the entries of one endpoint may admit together, as the length of a prefix holding as many. */
  ipv6MinPrefixLengthPerEndpoint: number;
}

const FAMILIES = ['ipv4', 'ipv6'] as const;
const WORDS: Record<Family, string> = { ipv4: 'IPv4', ipv6: 'IPv6' };

/** IPv4 counts in full; IPv6 counts as a multiple of a power of two (`17 × 2^80`), to compare with a prefix at a glance. */
function formatCount(family: Family, count: bigint): string {
  if (family === 'ipv4' || count < 1n << 32n) return count.toLocaleString('en-US');
  let exponent = 0;
  while (((count >> BigInt(exponent)) & 1n) === 0n) exponent++;
  const multiple = count >> BigInt(exponent);
  return multiple === 1n ? `2^${exponent}` : `${multiple.toLocaleString('en-US')} × 2^${exponent}`;
}

export default createRule<Options>({
  id: 'allowlist-breadth',
  severity: 'error',
  rationale: 'A broad range admits thousands of machines nobody vetted; an allowlist should name where clients really are.',
  description: 'One allow entry, or all the allow entries of an endpoint together, admit more than a configurable number of addresses (default: more than a /16 per entry or 1,048,576 IPv4 addresses per endpoint; an IPv6 prefix shorter than /48 per entry, or more than a /44 per endpoint).',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ipv4MaxAddresses: {
        type: 'integer', minimum: 1, maximum: 4294967296,
        description: 'The most IPv4 addresses one allow entry may admit (65536 is a /16). IPv6 entries that embed IPv4 (IPv4-mapped, NAT64, 6to4, …) count as the IPv4 addresses they embed.',
      },
      ipv6MinPrefixLength: {
        type: 'integer', minimum: 0, maximum: 128,
        description: 'The shortest prefix an IPv6 allow entry may have (48 allows a /48 and narrower).',
      },
      ipv4MaxAddressesPerEndpoint: {
        type: 'integer', minimum: 1, maximum: 4294967296,
        description: 'The most IPv4 addresses all the allow entries of one endpoint may admit together, each address counted once however the entries overlap (1048576 is a /12). IPv4 embedded in IPv6 entries counts as IPv4.',
      },
      ipv6MinPrefixLengthPerEndpoint: {
        type: 'integer', minimum: 0, maximum: 128,
        description: 'All the IPv6 allow entries of one endpoint together may admit as many addresses as one prefix of this length holds (44: 2^84 addresses, a /44), each address counted once. IPv4-mapped addresses count as IPv4, not IPv6.',
      },
    },
  },
  defaultOptions: { ipv4MaxAddresses: 65536, ipv6MinPrefixLength: 48, ipv4MaxAddressesPerEndpoint: 1048576, ipv6MinPrefixLengthPerEndpoint: 44 },
  check({ index, options, report }) {
    const endpointLimit: Record<Family, bigint> = {
      ipv4: BigInt(options.ipv4MaxAddressesPerEndpoint),
      ipv6: 1n << BigInt(128 - options.ipv6MinPrefixLengthPerEndpoint),
    };
    for (const endpoint of index.endpoints) {
      const networks: Network[] = [];
      // Each entry alone, summed: never less than the union, so the union is built only when this is over a limit.
      const sum: Record<Family, bigint> = { ipv4: 0n, ipv6: 0n };
      // Families where one entry, already reported, is alone over the endpoint's limit: the total would say it again.
      const explained = new Set<Family>();
      for (const entry of index.allowEntriesOf(endpoint)) {
        const network = entry.network ?? entry.lenient;
        if (!network) continue;
        networks.push(network);
        const alone = { ipv4: AddressSpace.countOne(network, 'ipv4'), ipv6: AddressSpace.countOne(network, 'ipv6') };
        FAMILIES.forEach((family) => { sum[family] += alone[family]; });
        let message: string | undefined;
        if (network.family === 'ipv6' && network.prefix < options.ipv6MinPrefixLength) {
          message = `${entry.text} is broader than a /${options.ipv6MinPrefixLength}, the broadest IPv6 entry allowed`;
        } else if (alone.ipv4 > BigInt(options.ipv4MaxAddresses)) {
          const via = network.family === 'ipv6' ? ' (embedded in IPv6)' : '';
          message = `${entry.text} admits ${formatCount('ipv4', alone.ipv4)} IPv4 addresses${via}, more than the ${options.ipv4MaxAddresses.toLocaleString('en-US')} allowed for one entry`;
        }
        if (message === undefined) continue;
        report({ path: entry.path, message });
        for (const family of FAMILIES) if (alone[family] > endpointLimit[family]) explained.add(family);
      }
      const over = FAMILIES.filter((family) => sum[family] > endpointLimit[family] && !explained.has(family));
      if (over.length === 0) continue;
      const together = new AddressSpace();
      for (const network of networks) together.add(network);
      for (const family of over) {
        const total = together.count(family);
        if (total <= endpointLimit[family]) continue;
        const limit = formatCount(family, endpointLimit[family]);
        const limitText = family === 'ipv4' ? limit : `${limit} (a /${options.ipv6MinPrefixLengthPerEndpoint})`;
        report({
          path: [...endpoint.endpointPath, 'allow'],
          message: `together, the allow entries of ${endpoint.endpoint.name} admit ${formatCount(family, total)} ${WORDS[family]} addresses (each counted once), more than the ${limitText} allowed for one endpoint`,
        });
      }
    }
  },
});
