import ipaddr from 'ipaddr.js';
import { parseCidr } from '../../net/cidr.js';

export type HostPattern = { ok: true; host: string } | { ok: false; reason: string };

/**
 * The account host pattern that admits exactly a `from` CIDR. MariaDB
 * stores a CIDR such as `10.0.0.0/24` but never matches it (MDEV-25515), so
 * an IPv4 network is written in netmask form (`10.0.0.0/255.255.255.0`),
 * which MariaDB and MySQL both match as `address & mask = network`; a single
 * address is written bare. IPv6 has no netmask form that matches, and a
 * LIKE pattern depends on how the server prints the address, so only a
 * single IPv6 address (/128) can be expressed.
 */
export function hostPattern(cidr: string): HostPattern {
  const parsed = parseCidr(cidr);
  if (!parsed.ok) return { ok: false, reason: `${cidr} is not a CIDR: ${parsed.reason}` };
  const { network } = parsed;
  const address = network.canonical.slice(0, network.canonical.indexOf('/'));
  if (network.family === 'ipv6') {
    if (network.prefix !== 128) {
      return { ok: false, reason: `${cidr}: MariaDB can match an IPv6 source only as a single address (/128); list the addresses one by one` };
    }
    return { ok: true, host: address };
  }
  if (network.prefix === 32) return { ok: true, host: address };
  const mask = ipaddr.IPv4.subnetMaskFromPrefixLength(network.prefix).toString();
  return { ok: true, host: `${address}/${mask}` };
}

/**
 * Whether a client address is admitted by a host pattern dbfence writes:
 * `%` (a platform's accounts), a bare address or the IPv4 netmask form;
 * `clientAddress` is undefined for a socket connection.
 * Other patterns (names, LIKE wildcards) are never dbfence's: they admit
 * nothing here.
 */
export function admits(pattern: string, clientAddress: string | undefined): boolean {
  if (pattern === '%') return true;
  if (clientAddress === undefined || !ipaddr.isValid(clientAddress)) return false;
  const client = ipaddr.process(clientAddress);
  const slash = pattern.indexOf('/');
  if (slash === -1) return ipaddr.isValid(pattern) && ipaddr.process(pattern).toString() === client.toString();
  const network = pattern.slice(0, slash);
  const mask = pattern.slice(slash + 1);
  if (client.kind() !== 'ipv4' || !ipaddr.IPv4.isValidFourPartDecimal(network) || !ipaddr.IPv4.isValidFourPartDecimal(mask)) return false;
  const prefix = ipaddr.IPv4.parse(mask).prefixLengthFromSubnetMask();
  if (prefix === null) return false;
  return client.match(ipaddr.IPv4.parse(network), prefix);
}

/** The address of a PROCESSLIST host (`10.0.0.5:51234`, `[::1]:51234`, `localhost` for the socket). */
export function sessionAddress(processHost: string): string | undefined {
  const bracketed = /^\[(.*)\]:\d+$/.exec(processHost);
  if (bracketed) return bracketed[1];
  const withPort = /^(.*):\d+$/.exec(processHost);
  const address = withPort ? withPort[1]! : processHost;
  return ipaddr.isValid(address) ? address : undefined;
}
