import { type Network, parseCidr } from './cidr.js';

/** A range of IPv4 addresses, as integers. */
export interface Ipv4Range {
  first: bigint;
  last: bigint;
}

/** One address format of an RFC: where the IPv4 address sits behind a prefix. */
interface Ipv4Format {
  /** The prefix in front of the IPv4 address: a range this long or shorter holds a whole copy of IPv4. */
  prefixLength: number;
  /** The bytes (0-15) of the IPv6 address that hold the IPv4 address, most significant first. */
  ipv4Bytes: readonly [number, number, number, number];
}

/** An IPv6 block whose addresses stand for IPv4 addresses. */
export interface Ipv4Embedding {
  /** What the documentation calls it. */
  name: string;
  /** The RFC that defines the block and its address formats. */
  rfc: string;
  block: Network;
  formats: readonly Ipv4Format[];
  /** RFC 6052 §2.2: bits 64-71 (the "u" octet) are zero in every IPv4-embedded address. */
  zeroUOctet?: boolean;
  /** Teredo writes the client's address with every bit inverted (RFC 4380 §4). */
  inverted?: boolean;
}

const LOW_32_BITS: Ipv4Format = { prefixLength: 96, ipv4Bytes: [12, 13, 14, 15] };

function block(cidr: string): Network {
  const parsed = parseCidr(cidr);
  if (!parsed.ok) throw new Error(`bad built-in block ${cidr}`);
  return parsed.network;
}

/** The block whose addresses are the IPv4 ones themselves: an IPv6 socket sees IPv4 clients so. */
export const IPV4_MAPPED: Ipv4Embedding = {
  name: 'IPv4-mapped', rfc: 'RFC 4291 §2.5.5.2', block: block('::ffff:0:0/96'), formats: [LOW_32_BITS],
};

/**
 * Every IPv6 block that embeds IPv4, so that a range covering one of them
 * admits the IPv4 addresses it embeds. The blocks are those ipaddr.js names
 * (ipv4Mapped, rfc6145, rfc6052, 6to4, teredo) plus the deprecated
 * IPv4-compatible block; the formats are the RFCs' own tables.
 */
export const IPV4_EMBEDDINGS: readonly Ipv4Embedding[] = [
  IPV4_MAPPED,
  { name: 'IPv4-translated', rfc: 'RFC 2765 §2.1, RFC 6145', block: block('::ffff:0:0:0/96'), formats: [LOW_32_BITS] },
  { name: 'IPv4-compatible', rfc: 'RFC 4291 §2.5.5.1', block: block('::/96'), formats: [LOW_32_BITS] },
  { name: 'NAT64 well-known prefix', rfc: 'RFC 6052 §2.1', block: block('64:ff9b::/96'), formats: [LOW_32_BITS] },
  {
    // A network-specific prefix of any length RFC 6052 §2.2 allows that fits in the /48: /48, /56, /64 or /96.
    name: 'NAT64 local-use block', rfc: 'RFC 8215, formats of RFC 6052 §2.2', block: block('64:ff9b:1::/48'),
    formats: [
      { prefixLength: 48, ipv4Bytes: [6, 7, 9, 10] },
      { prefixLength: 56, ipv4Bytes: [7, 9, 10, 11] },
      { prefixLength: 64, ipv4Bytes: [9, 10, 11, 12] },
      LOW_32_BITS,
    ],
    zeroUOctet: true,
  },
  // Every host with a public IPv4 address V may send from its own 2002:V::/48, no one's permission needed.
  { name: '6to4', rfc: 'RFC 3056 §2', block: block('2002::/16'), formats: [{ prefixLength: 16, ipv4Bytes: [2, 3, 4, 5] }] },
  // Any IPv4 host can be a Teredo client of a public server; its address is the last 32 bits, inverted.
  { name: 'Teredo', rfc: 'RFC 4380 §4', block: block('2001::/32'), formats: [LOW_32_BITS], inverted: true },
];

const IPV4_LAST = 0xffffffffn;
const U_OCTET = 8;

function byteAt(address: bigint, index: number): bigint {
  return (address >> BigInt(8 * (15 - index))) & 0xffn;
}

function ipv4At(address: bigint, format: Ipv4Format): bigint {
  return format.ipv4Bytes.reduce((value, index) => (value << 8n) | byteAt(address, index), 0n);
}

/**
 * The IPv4 addresses an IPv6 network stands for through one embedding block,
 * one range per address format. Where a block allows several formats (the
 * local-use NAT64 prefix), the operator's choice is unknown, so each format
 * counts: a range is counted by what it would admit under any of them.
 */
export function ipv4Through(network: Network, embedding: Ipv4Embedding): Ipv4Range[] {
  if (network.family !== 'ipv6') return [];
  const { block } = embedding;
  // Both are prefixes, so one holds the other or they are apart.
  let part: Network;
  if (network.first <= block.first && block.last <= network.last) part = block;
  else if (block.first <= network.first && network.last <= block.last) part = network;
  else return [];
  if (embedding.zeroUOctet && byteAt(part.first, U_OCTET) !== 0n) return [];
  return embedding.formats.map((format) => {
    if (part.prefix <= format.prefixLength) return { first: 0n, last: IPV4_LAST };
    // A prefix fixes the leading IPv4 bits and leaves the rest free, so the two ends bound the range.
    const low = ipv4At(part.first, format);
    const high = ipv4At(part.last, format);
    return embedding.inverted ? { first: IPV4_LAST ^ high, last: IPV4_LAST ^ low } : { first: low, last: high };
  });
}

/** Every IPv4 range an IPv6 network stands for, through any embedding block. */
export function embeddedIpv4(network: Network): Ipv4Range[] {
  if (network.family !== 'ipv6') return [];
  return IPV4_EMBEDDINGS.flatMap((embedding) => ipv4Through(network, embedding));
}

/** True when the network, through one embedding block, stands for every IPv4 address. */
export function embedsAllIpv4(network: Network): boolean {
  return embeddedIpv4(network).some((range) => range.first === 0n && range.last === IPV4_LAST);
}

/**
 * The IPv4 addresses an IPv6 network reaches through the IPv4-mapped block
 * alone, or undefined when it does not touch that block.
 */
export function mappedIpv4Range(network: Network): Ipv4Range | undefined {
  return ipv4Through(network, IPV4_MAPPED)[0];
}
