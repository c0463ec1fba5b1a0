import ipaddr from 'ipaddr.js';
import { type Family, type Network, parseCidr } from './cidr.js';
import { mappedIpv4Range } from './embedded-ipv4.js';

/** A block no client on the internet can connect from, with the name a user will recognise. */
export interface SpecialRange {
  name: string;
  family: Family;
  first: bigint;
  last: bigint;
}

/** ipaddr.js range names that mean "not reachable from the internet", with the words we show. */
const IPADDR_NAMES: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'shared address space (CGNAT)',
  private: 'private (RFC 1918)',
  uniqueLocal: 'unique local (private)',
  deprecatedSiteLocal: 'site-local',
  discard: 'discard-only',
  reserved: 'reserved',
};

/** Named more precisely than ipaddr.js's "reserved", and listed first so their name wins. */
const EXTRA_RANGES: [string, string[]][] = [
  ['documentation', ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32', '3fff::/20']],
  ['benchmarking', ['198.18.0.0/15', '2001:2::/48']],
];

type RangeTable = Record<string, [ipaddr.IPv4 | ipaddr.IPv6, number] | [ipaddr.IPv4 | ipaddr.IPv6, number][]>;

function fromTable(table: RangeTable): SpecialRange[] {
  const out: SpecialRange[] = [];
  for (const [key, name] of Object.entries(IPADDR_NAMES)) {
    const entry = table[key];
    if (!entry) continue;
    const list = (Array.isArray(entry[0]) ? entry : [entry]) as [ipaddr.IPv4 | ipaddr.IPv6, number][];
    for (const [address, prefix] of list) out.push(toRange(name, `${address.toString()}/${prefix}`));
  }
  return out;
}

function toRange(name: string, cidr: string): SpecialRange {
  const parsed = parseCidr(cidr);
  if (!parsed.ok) throw new Error(`bad built-in range ${cidr}`);
  const { family, first, last } = parsed.network;
  return { name, family, first, last };
}

let cached: SpecialRange[] | undefined;

/** Every non-routable range, the most specific names first. */
export function specialRanges(): SpecialRange[] {
  cached ??= [
    ...EXTRA_RANGES.flatMap(([name, cidrs]) => cidrs.map((cidr) => toRange(name, cidr))),
    ...fromTable((ipaddr.IPv4.prototype as unknown as { SpecialRanges: RangeTable }).SpecialRanges),
    ...fromTable((ipaddr.IPv6.prototype as unknown as { SpecialRanges: RangeTable }).SpecialRanges),
  ];
  return cached;
}

/**
 * The names of the non-routable ranges a network reaches, IPv4-mapped IPv6
 * included. A network that lies wholly inside one range gets that range's
 * name alone (the most specific, as the table lists those first).
 */
export function nonRoutableNames(network: Network): string[] {
  const mapped = mappedIpv4Range(network);
  const names = new Set<string>();
  for (const range of specialRanges()) {
    const span = range.family === network.family ? network : range.family === 'ipv4' ? mapped : undefined;
    if (!span || range.first > span.last || span.first > range.last) continue;
    if (range.first <= span.first && span.last <= range.last) return [range.name];
    names.add(range.name);
  }
  return [...names];
}
