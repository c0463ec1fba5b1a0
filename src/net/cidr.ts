import ipaddr from 'ipaddr.js';

export type Family = 'ipv4' | 'ipv6';

export const FAMILY_BITS: Record<Family, number> = { ipv4: 32, ipv6: 128 };

/** One parsed CIDR: the range of addresses it admits, as integers. */
export interface Network {
  family: Family;
  prefix: number;
  /** The first and last address the network admits. */
  first: bigint;
  last: bigint;
  /** True when the address has bits set below the prefix (`10.1.2.3/8`). */
  hostBitsSet: boolean;
  /** The network written canonically, host bits cleared (`10.0.0.0/8`). */
  canonical: string;
}

export type ParseResult = { ok: true; network: Network } | { ok: false; reason: string };

const DECIMAL = /^(0|[1-9][0-9]*)$/;
/** The shape ipaddr.js's isValidFourPartDecimal also requires, tested before its throwing part. */
const FOUR_PART_DECIMAL = /^(0|[1-9]\d*)(\.(0|[1-9]\d*)){3}$/;

/**
 * Every character any of ipaddr.js's address and CIDR patterns can match
 * (digits, hex letters and `x`, `.`, `:`, a `%zone` of letters and digits,
 * `/`), with the same case folding: text with any other character is
 * certainly refused, without asking ipaddr.js (which throws, slowly, inside).
 */
const ADDRESS_CHARACTERS = /^[0-9a-z.:%/]+$/i;

/**
 * Parses a CIDR or bare address strictly: IPv4 only as four decimal octets
 * without leading zeros (no `0/0`, `010.0.0.1`, `0x0`), IPv6 without zone
 * index, prefix as a plain decimal. Anything looser could mean different
 * networks to different tools, so it is refused rather than normalised.
 */
export function parseCidr(text: string): ParseResult {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1);
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  if (addressText.includes(':')) {
    if (addressText.includes('%')) return { ok: false, reason: 'an IPv6 zone index (%…) has no meaning in an allowlist' };
    const embedded = addressText.slice(addressText.lastIndexOf(':') + 1);
    if (embedded.includes('.') && !ipaddr.IPv4.isValidFourPartDecimal(embedded)) {
      return { ok: false, reason: 'the embedded IPv4 address must be four decimal octets' };
    }
    // ipaddr.js reads `::a.b.c.d` as IPv4-mapped (::ffff:a.b.c.d), RFC 4291 and
    // most other tools as the deprecated IPv4-compatible ::a.b.c.d.
    if (embedded.includes('.') && addressText === `::${embedded}`) {
      return { ok: false, reason: 'tools disagree on what ::a.b.c.d means: write ::ffff:a.b.c.d for an IPv4-mapped address' };
    }
    if (!ADDRESS_CHARACTERS.test(addressText) || !ipaddr.IPv6.isValid(addressText)) return { ok: false, reason: 'not a valid IPv6 address' };
    address = ipaddr.IPv6.parse(addressText);
  } else {
    // The shape first: ipaddr.js throws (slowly) inside its check on text of another shape.
    if (!FOUR_PART_DECIMAL.test(addressText) || !ipaddr.IPv4.isValidFourPartDecimal(addressText)) {
      return { ok: false, reason: 'not an IPv4 address in four decimal octets without leading zeros' };
    }
    address = ipaddr.IPv4.parse(addressText);
  }
  const family: Family = address.kind();
  const bits = FAMILY_BITS[family];
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!DECIMAL.test(prefixText) || Number(prefixText) > bits) {
      return { ok: false, reason: `the prefix length must be a whole number from 0 to ${bits}` };
    }
    prefix = Number(prefixText);
  }
  const value = toBigInt(address);
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const first = value & ~hostMask;
  const last = first | hostMask;
  return {
    ok: true,
    network: {
      family, prefix, first, last,
      hostBitsSet: first !== value,
      canonical: `${fromBigInt(family, first)}/${prefix}`,
    },
  };
}

export function toBigInt(address: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  let value = 0n;
  for (const byte of address.toByteArray()) value = (value << 8n) | BigInt(byte);
  return value;
}

export function fromBigInt(family: Family, value: bigint): string {
  const length = FAMILY_BITS[family] / 8;
  const bytes: number[] = new Array(length);
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** How many addresses a network admits. */
export function addressCount(network: Pick<Network, 'family' | 'prefix'>): bigint {
  return 1n << BigInt(FAMILY_BITS[network.family] - network.prefix);
}

/**
 * Reads a CIDR as lenient parsers do (ipaddr.js legacy forms: `0/0`, `0x0/0`,
 * octal octets). Used only to learn what a refused spelling would open if some
 * other tool accepted it, so that `0/0` still counts as the whole internet.
 */
export function parseCidrLenient(text: string): Network | undefined {
  const strict = parseCidr(text);
  if (strict.ok) return strict.network;
  const trimmed = text.trim();
  if (!ADDRESS_CHARACTERS.test(trimmed)) return undefined;
  try {
    const [address, prefix] = trimmed.includes('/')
      ? ipaddr.parseCIDR(trimmed)
      : (() => {
          const parsed = ipaddr.parse(trimmed);
          return [parsed, FAMILY_BITS[parsed.kind()]] as const;
        })();
    const family: Family = address.kind();
    const bits = FAMILY_BITS[family];
    const hostMask = (1n << BigInt(bits - prefix)) - 1n;
    const value = toBigInt(address);
    const first = value & ~hostMask;
    return {
      family, prefix, first, last: first | hostMask, hostBitsSet: first !== value,
      canonical: `${fromBigInt(family, first)}/${prefix}`,
    };
  } catch {
    return undefined;
  }
}
