import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { addressCount, type Network, parseCidr, parseCidrLenient } from '../../src/net/cidr.js';
import { mappedIpv4Range } from '../../src/net/embedded-ipv4.js';

const IPV4_ALL = 2n ** 32n - 1n;
const IPV6_ALL = 2n ** 128n - 1n;

function parsed(text: string): Network {
  const result = parseCidr(text);
  if (!result.ok) throw new Error(`${text}: ${result.reason}`);
  return result.network;
}

/** Clears the bits below `prefix`, byte by byte, without the module's bigint maths. */
function maskBytes(bytes: number[], prefix: number): number[] {
  return bytes.map((byte, i) => {
    const kept = Math.max(0, Math.min(8, prefix - 8 * i));
    return byte & (0xff << (8 - kept)) & 0xff;
  });
}

function bytesToBigInt(bytes: number[]): bigint {
  return bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

function groupsToBytes(groups: number[]): number[] {
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

function dotted(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

const ipv4Bytes = fc.array(fc.oneof(fc.constant(0), fc.constant(255), fc.integer({ min: 0, max: 255 })), { minLength: 4, maxLength: 4 });
/** Zero and all-ones groups are frequent, so that `::` compression and ::ffff: turn up often. */
const ipv6Groups = fc.array(fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 });

describe('parseCidr accepts every canonical CIDR', () => {
  it('round-trips random IPv4 networks', () => {
    fc.assert(
      fc.property(ipv4Bytes, fc.integer({ min: 0, max: 32 }), (bytes, prefix) => {
        const network = maskBytes(bytes, prefix);
        const text = `${network.join('.')}/${prefix}`;
        const result = parsed(text);
        expect(result).toEqual({
          family: 'ipv4', prefix, hostBitsSet: false, canonical: text,
          first: bytesToBigInt(network), last: bytesToBigInt(network) + 2n ** BigInt(32 - prefix) - 1n,
        });
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips random IPv6 networks written compressed, in full or zero-padded', () => {
    fc.assert(
      fc.property(ipv6Groups, fc.integer({ min: 0, max: 128 }), (groups, prefix) => {
        const network = maskBytes(groupsToBytes(groups), prefix);
        const address = ipaddr.fromByteArray(network) as ipaddr.IPv6;
        const canonical = `${address.toString()}/${prefix}`;
        const zeroPadded = address.parts.map((part) => part.toString(16).padStart(4, '0')).join(':');
        for (const spelling of [address.toString(), address.toNormalizedString(), zeroPadded]) {
          const result = parsed(`${spelling}/${prefix}`);
          expect(result).toEqual({
            family: 'ipv6', prefix, hostBitsSet: false, canonical,
            first: bytesToBigInt(network), last: bytesToBigInt(network) + 2n ** BigInt(128 - prefix) - 1n,
          });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('accepts IPv4-mapped addresses written with a dotted quad, and canonicalises them to hex', () => {
    fc.assert(
      fc.property(ipv4Bytes, fc.integer({ min: 96, max: 128 }), (bytes, prefix) => {
        const result = parsed(`::ffff:${bytes.join('.')}/${prefix}`);
        const asHex = parsed(`::ffff:${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}/${prefix}`);
        expect(result).toEqual(asHex);
        expect(result.family).toBe('ipv6');
      }),
      { numRuns: 100 },
    );
  });

  it('reads a bare address as a single-address network', () => {
    expect(parsed('52.20.10.10')).toMatchObject({ family: 'ipv4', prefix: 32, canonical: '52.20.10.10/32', hostBitsSet: false });
    expect(parsed('2001:db8::1')).toMatchObject({ family: 'ipv6', prefix: 128, canonical: '2001:db8::1/128', hostBitsSet: false });
  });
});

describe('parseCidr refuses spellings that tools read differently', () => {
  it.each([
    '0/0', '0.0.0.0/00', '::/00', '000.000.000.000/0', '0x0/0', '010.0.0.1', '01.2.3.4', '1.2.3',
    ' 0.0.0.0/0', '0.0.0.0/0 ', '0.0.0.0 /0', '0.0.0.0/ 0', ' ::/0', '::/0 ', '1.2.3.4\n', '\t::1',
    '*', 'any', 'Internet', '', '/',
    'fe80::1%eth0', 'fe80::1%eth0/64', 'fe80::1%25eth0', '::ffff:1.2.3.4%1',
    '::ffff:010.0.0.1', '::ffff:1.2.3.04', '::ffff:0x1.2.3.4', '::ffff:1.2.3', '::ffff:256.0.0.0',
    '::1.2.3.4', '::0.0.0.0/96',
    '1.2.3.4/33', '::/129', '1.2.3.4/-1', '1.2.3.4/3a', '1.2.3.4/', '1.2.3.4/+8', '1.2.3.4/8.0', '1.2.3.4/1e1',
    '1.2.3.4/0x8', '1.2.3.4/99999999999999999999', '1.2.3.4/32/', '1.2.3.4/３', '１.2.3.4', '1.2.3.256', '[::1]',
  ])('%j', (text) => {
    const result = parseCidr(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/\S/);
  });

  it('explains which part is wrong', () => {
    expect(parseCidr('fe80::1%eth0')).toMatchObject({ ok: false, reason: expect.stringContaining('zone index') });
    expect(parseCidr('1.2.3.4/33')).toMatchObject({ ok: false, reason: expect.stringContaining('from 0 to 32') });
    expect(parseCidr('::/129')).toMatchObject({ ok: false, reason: expect.stringContaining('from 0 to 128') });
    expect(parseCidr('::1.2.3.4')).toMatchObject({ ok: false, reason: expect.stringContaining('::ffff:a.b.c.d') });
  });
});

describe('host bits', () => {
  it('flags bits set below the prefix and canonicalises to the network address', () => {
    expect(parsed('10.1.2.3/8')).toMatchObject({ hostBitsSet: true, canonical: '10.0.0.0/8', first: 10n << 24n });
    expect(parsed('1.2.3.4/0')).toMatchObject({ hostBitsSet: true, canonical: '0.0.0.0/0', first: 0n, last: IPV4_ALL });
    expect(parsed('2001:db8::1/32')).toMatchObject({ hostBitsSet: true, canonical: '2001:db8::/32' });
    expect(parsed('::1/0')).toMatchObject({ hostBitsSet: true, canonical: '::/0', first: 0n, last: IPV6_ALL });
    expect(parsed('10.0.0.0/8').hostBitsSet).toBe(false);
  });

  it('is set exactly when the address differs from its network address', () => {
    fc.assert(
      fc.property(fc.oneof(ipv4Bytes, ipv6Groups.map(groupsToBytes)), fc.nat(), (bytes, seed) => {
        const bits = bytes.length * 8;
        const prefix = seed % (bits + 1);
        const address = ipaddr.fromByteArray(bytes).toString();
        const network = maskBytes(bytes, prefix);
        const result = parsed(`${address}/${prefix}`);
        expect(result.hostBitsSet).toBe(network.some((byte, i) => byte !== bytes[i]));
        expect(result.canonical).toBe(`${ipaddr.fromByteArray(network).toString()}/${prefix}`);
        expect(result.first).toBe(bytesToBigInt(network));
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseCidrLenient', () => {
  it.each([
    ['0/0', '0.0.0.0/0'],
    ['0x0/0', '0.0.0.0/0'],
    ['000.000.000.000/0', '0.0.0.0/0'],
    ['0.0.0.0/00', '0.0.0.0/0'],
    [' 0.0.0.0/0', '0.0.0.0/0'],
    ['::/00', '::/0'],
    ['010.0.0.1', '8.0.0.1/32'],
    ['::0.0.0.0/96', '::ffff:0:0/96'],
  ])('reads %j as %s, as lenient tools would', (text, canonical) => {
    expect(parseCidrLenient(text)?.canonical).toBe(canonical);
  });

  it('reads 0/0 as the whole IPv4 internet', () => {
    expect(parseCidrLenient('0/0')).toMatchObject({ family: 'ipv4', prefix: 0, first: 0n, last: IPV4_ALL });
  });

  it.each(['*', 'any', 'Internet', '', '1.2.3.4/-1', '1.2.3.4/33', '0.0.0.0 /0'])('has no reading of %j', (text) => {
    expect(parseCidrLenient(text)).toBeUndefined();
  });

  it('reads exactly what ipaddr.js reads, even with its pre-check on the characters', () => {
    const piece = fc.constantFrom('0', '1', '255', '010', '0x1f', '0X1F', 'ff', 'ABC', '::', ':', '.', '/', '/24', '/0', '%eth0', ' ', '-', 'g', 'x', 'ſ', '\u212A', '\u0660');
    /** The old reading: whatever ipaddr.js accepts, past the strict parser. */
    const ipaddrReads = (text: string) => {
      try {
        const trimmed = text.trim();
        if (trimmed.includes('/')) ipaddr.parseCIDR(trimmed);
        else ipaddr.parse(trimmed);
        return true;
      } catch {
        return false;
      }
    };
    fc.assert(fc.property(fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join('')), (text) => {
      expect(parseCidrLenient(text) !== undefined).toBe(parseCidr(text).ok || ipaddrReads(text));
    }), { numRuns: 5000 });
  });

  it('agrees with the strict parser on canonical input', () => {
    for (const text of ['10.0.0.0/8', '10.1.2.3/8', '2001:db8::/32', '::ffff:1.2.3.4']) {
      expect(parseCidrLenient(text)).toEqual(parsed(text));
    }
  });
});

describe('addressCount', () => {
  it.each([
    ['0.0.0.0/0', 2n ** 32n],
    ['10.0.0.0/16', 65_536n],
    ['52.20.10.10/32', 1n],
    ['::/0', 2n ** 128n],
    ['2001:db8::/48', 2n ** 80n],
    ['2001:db8::1', 1n],
  ])('%s admits %d addresses', (text, count) => {
    expect(addressCount(parsed(text))).toBe(count);
  });

  it('matches the span of the parsed network', () => {
    fc.assert(
      fc.property(fc.oneof(ipv4Bytes, ipv6Groups.map(groupsToBytes)), fc.nat(), (bytes, seed) => {
        const prefix = seed % (bytes.length * 8 + 1);
        const network = parsed(`${ipaddr.fromByteArray(bytes).toString()}/${prefix}`);
        expect(addressCount(network)).toBe(network.last - network.first + 1n);
      }),
      { numRuns: 200 },
    );
  });
});

describe('mappedIpv4Range', () => {
  it('maps the IPv4-mapped block and what contains it', () => {
    expect(mappedIpv4Range(parsed('::ffff:0:0/96'))).toEqual({ first: 0n, last: IPV4_ALL });
    expect(mappedIpv4Range(parsed('::/0'))).toEqual({ first: 0n, last: IPV4_ALL });
    expect(mappedIpv4Range(parsed('::ffff:10.0.0.0/104'))).toEqual({ first: 10n << 24n, last: (11n << 24n) - 1n });
    expect(mappedIpv4Range(parsed('64:ff9b::/96'))).toBeUndefined();
    expect(mappedIpv4Range(parsed('::ffff:0:0:0/96'))).toBeUndefined();
    expect(mappedIpv4Range(parsed('10.0.0.0/8'))).toBeUndefined();
  });

  // Networks near ::ffff:0:0/96: the 80 high bits are mostly zero, group 5 often ffff or a neighbour.
  const nearMapped = fc.record({
    high: fc.oneof(fc.constant([0, 0, 0, 0, 0]), fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 5, maxLength: 5 })),
    group5: fc.oneof(fc.constantFrom(0xffff, 0xfffe, 0, 0x7fff, 0x8000), fc.integer({ min: 0, max: 0xffff })),
    low: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 2, maxLength: 2 }),
    prefix: fc.oneof(fc.integer({ min: 0, max: 128 }), fc.integer({ min: 78, max: 128 })),
  });

  it('holds exactly the IPv4 addresses whose mapped form the network contains (probed with ipaddr.js match)', () => {
    fc.assert(
      fc.property(nearMapped, fc.array(fc.bigInt({ min: 0n, max: IPV4_ALL }), { maxLength: 3 }), ({ high, group5, low, prefix }, extra) => {
        const bytes = groupsToBytes([...high, group5, ...low]);
        const network = parsed(`${ipaddr.fromByteArray(maskBytes(bytes, prefix)).toString()}/${prefix}`);
        const base = ipaddr.fromByteArray(maskBytes(bytes, prefix));
        const range = mappedIpv4Range(network);
        // Prefix networks nest or are disjoint, so probing both ends, their
        // neighbours and the network's own first address decides the whole range.
        const probes = [0n, IPV4_ALL, network.first & IPV4_ALL, ...extra];
        if (range) probes.push(range.first - 1n, range.first, range.last, range.last + 1n);
        for (const probe of probes) {
          if (probe < 0n || probe > IPV4_ALL) continue;
          const inNetwork = ipaddr.IPv6.parse(`::ffff:${dotted(probe)}`).match(base, prefix);
          expect(range !== undefined && range.first <= probe && probe <= range.last).toBe(inNetwork);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('never maps an IPv4 network', () => {
    fc.assert(
      fc.property(ipv4Bytes, fc.integer({ min: 0, max: 32 }), (bytes, prefix) => {
        expect(mappedIpv4Range(parsed(`${maskBytes(bytes, prefix).join('.')}/${prefix}`))).toBeUndefined();
      }),
      { numRuns: 50 },
    );
  });
});
