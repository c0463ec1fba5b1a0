import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AddressSpace } from '../../src/net/address-space.js';
import { type Network, parseCidr } from '../../src/net/cidr.js';

function parsed(text: string): Network {
  const result = parseCidr(text);
  if (!result.ok) throw new Error(`${text}: ${result.reason}`);
  return result.network;
}

function spaceOf(cidrs: string[]): AddressSpace {
  const space = new AddressSpace();
  for (const cidr of cidrs) space.add(parsed(cidr));
  return space;
}

/** The prefixes /1, /2, … /bits that together hold every address but the last one. */
function allButLast(family: 'ipv4' | 'ipv6'): string[] {
  const bits = family === 'ipv4' ? 32 : 128;
  const out: string[] = [];
  for (let length = 1; length <= bits; length++) {
    const first = 2n ** BigInt(bits) - 2n ** BigInt(bits - length + 1);
    out.push(`${family === 'ipv4' ? dotted(first) : hex(first)}/${length}`);
  }
  return out;
}

function dotted(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

function hex(value: bigint): string {
  return Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
}

describe('AddressSpace.worldFamilies', () => {
  it.each([
    [['0.0.0.0/0'], ['ipv4']],
    [['::/0'], ['ipv4', 'ipv6']],
    [['::ffff:0:0/96'], ['ipv4']],
    [['::ffff:0.0.0.0/96'], ['ipv4']],
    [['0.0.0.0/1', '128.0.0.0/1'], ['ipv4']],
    [['::/1', '8000::/1'], ['ipv4', 'ipv6']],
    [['0.0.0.0/2', '64.0.0.0/2', '128.0.0.0/2', '192.0.0.0/2'], ['ipv4']],
    [['192.0.0.0/2', '0.0.0.0/2', '128.0.0.0/2', '64.0.0.0/2'], ['ipv4']],
    [['0.0.0.0/1', '::ffff:128.0.0.0/97'], ['ipv4']],
    [['::ffff:0.0.0.0/97', '128.0.0.0/1'], ['ipv4']],
    [['0.0.0.0/2', '::ffff:64.0.0.0/98', '128.0.0.0/1'], ['ipv4']],
    [['0.0.0.0/1', '0.0.0.0/1'], []],
    [['0.0.0.0/1', '128.0.0.0/2', '192.0.0.0/3'], []],
    [['1.0.0.0/8'], []],
    [['64:ff9b::/96'], ['ipv4']],
    [['::ffff:0:0:0/96'], ['ipv4']],
    [['::/96'], ['ipv4']],
    [['64:ff9b:1::/48'], ['ipv4']],
    [['64:ff9b:1:2::/64'], ['ipv4']],
    [['2002::/16'], ['ipv4']],
    [['2001::/32'], ['ipv4']],
    [['64:ff9b::/97', '64:ff9b::8000:0/97'], ['ipv4']],
    [['0.0.0.0/1', '64:ff9b::8000:0/97'], ['ipv4']],
    [['64:ff9b::/97', '::ffff:0:8000:0/97'], ['ipv4']],
    [['2002::/17', '2002:8000::/17'], ['ipv4']],
    [['64:ff9b::/97', '64:ff9b::8000:0/98'], []],
    [['64:ff9b:1::/97', '64:ff9b:1::8000:0/97'], ['ipv4']],
    [['64:ff9b:2::/96'], []],
    [['2001:db8::/32'], []],
    [['::/1'], ['ipv4']],
    [['8000::/1'], []],
    [[], []],
  ])('%j → %j', (cidrs, families) => {
    expect(spaceOf(cidrs).worldFamilies()).toEqual(families);
  });

  it('is not world when the union misses a single IPv4 address', () => {
    const cidrs = allButLast('ipv4');
    expect(cidrs.at(-1)).toBe('255.255.255.254/32');
    expect(spaceOf(cidrs).worldFamilies()).toEqual([]);
    expect(spaceOf([...cidrs, '255.255.255.255/32']).worldFamilies()).toEqual(['ipv4']);
    expect(spaceOf([...cidrs, '::ffff:255.255.255.255']).worldFamilies()).toEqual(['ipv4']);
  });

  it('is not world when the union misses a single IPv6 address', () => {
    const cidrs = allButLast('ipv6');
    expect(spaceOf(cidrs).worldFamilies()).toEqual(['ipv4']);
    expect(spaceOf([...cidrs, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']).worldFamilies()).toEqual(['ipv4', 'ipv6']);
  });

  it('says ipv4 exactly when the networks cover every top-8-bit block, written as IPv4 or IPv4-mapped', () => {
    // Each network is a prefix of length ≤ 8 on the top octet, so the top octet
    // alone decides coverage: 256 values to enumerate.
    const network = fc.record({
      octet: fc.integer({ min: 0, max: 255 }),
      length: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 8 })),
      mapped: fc.boolean(),
    });
    let worlds = 0;
    fc.assert(
      fc.property(fc.array(network, { maxLength: 10 }), (networks) => {
        const covered = new Set<number>();
        const space = new AddressSpace();
        for (const { octet, length, mapped } of networks) {
          const first = octet & (0xff << (8 - length)) & 0xff;
          for (let top = first; top < first + 2 ** (8 - length); top++) covered.add(top);
          space.add(parsed(mapped ? `::ffff:${first}.0.0.0/${96 + length}` : `${first}.0.0.0/${length}`));
        }
        if (covered.size === 256) worlds++;
        expect(space.worldFamilies()).toEqual(covered.size === 256 ? ['ipv4'] : []);
      }),
      { numRuns: 300 },
    );
    expect(worlds).toBeGreaterThan(0);
  });
});

describe('AddressSpace.contains', () => {
  it('sees an IPv4-mapped address inside an IPv4 network, and the reverse', () => {
    const v4 = spaceOf(['1.2.3.0/24']);
    expect(v4.contains(parsed('::ffff:1.2.3.4/128'))).toBe(true);
    expect(v4.contains(parsed('::ffff:1.2.3.0/120'))).toBe(true);
    expect(v4.contains(parsed('::ffff:1.2.2.0/119'))).toBe(false);
    expect(v4.contains(parsed('::ffff:1.2.4.1'))).toBe(false);
    const mapped = spaceOf(['::ffff:1.2.3.0/120']);
    expect(mapped.contains(parsed('1.2.3.4/32'))).toBe(true);
    expect(mapped.contains(parsed('1.2.3.0/24'))).toBe(true);
    expect(mapped.contains(parsed('1.2.4.0/32'))).toBe(false);
  });

  it('decides on the union, not entry by entry', () => {
    const space = spaceOf(['10.0.0.0/25', '10.0.0.128/25']);
    expect(space.contains(parsed('10.0.0.0/24'))).toBe(true);
    expect(space.contains(parsed('10.0.0.0/23'))).toBe(false);
  });

  it('keeps other IPv6 addresses apart from IPv4', () => {
    const space = spaceOf(['0.0.0.0/0']);
    expect(space.contains(parsed('::ffff:8.8.8.8'))).toBe(true);
    expect(space.contains(parsed('64:ff9b::808:808'))).toBe(false);
    expect(space.contains(parsed('2001:db8::1'))).toBe(false);
  });

  it('does not hold the IPv4 addresses a NAT64 or 6to4 range only reaches through a translator or tunnel', () => {
    const space = spaceOf(['64:ff9b::/96', '2002::/16']);
    expect(space.contains(parsed('64:ff9b::808:808'))).toBe(true);
    expect(space.contains(parsed('8.8.8.8/32'))).toBe(false);
    expect(space.contains(parsed('::ffff:8.8.8.8'))).toBe(false);
    expect(space.worldFamilies()).toEqual(['ipv4']);
  });

  it('is empty until something is added', () => {
    expect(new AddressSpace().isEmpty()).toBe(true);
    expect(spaceOf(['::1']).isEmpty()).toBe(false);
  });
});

describe('AddressSpace.intersects', () => {
  it('sees the IPv4 addresses an IPv6 network embeds', () => {
    const privateV4 = spaceOf(['10.0.0.0/8']);
    expect(privateV4.intersects(parsed('10.1.2.3/32'))).toBe(true);
    expect(privateV4.intersects(parsed('::ffff:10.1.2.3'))).toBe(true);
    expect(privateV4.intersects(parsed('64:ff9b::a01:203'))).toBe(true);
    expect(privateV4.intersects(parsed('2002:a01:203::/48'))).toBe(true);
    expect(privateV4.intersects(parsed('64:ff9b::b01:203'))).toBe(false);
    expect(privateV4.intersects(parsed('2001:db8::/32'))).toBe(false);
    expect(spaceOf(['64:ff9b::a00:0/104']).intersects(parsed('10.9.9.9/32'))).toBe(true);
  });
});

describe('AddressSpace.count', () => {
  it('counts each address once, and IPv4-mapped addresses as IPv4 only', () => {
    const space = spaceOf(['10.0.0.0/24', '10.0.0.128/25', '::ffff:10.0.1.0/120', '2600::/64', '2600::/65']);
    expect(space.count('ipv4')).toBe(512n);
    expect(space.count('ipv6')).toBe(2n ** 64n);
  });

  it('counts what a NAT64 range embeds as IPv4, and its addresses as IPv6 too', () => {
    const space = spaceOf(['64:ff9b::a00:0/120', '10.0.0.0/25']);
    expect(space.count('ipv4')).toBe(256n);
    expect(space.count('ipv6')).toBe(256n);
  });
});

describe('AddressSpace.countOne', () => {
  it('says what count says of a union of that one network', () => {
    // Networks near the embedding blocks: the base's leading bits kept, the rest random.
    const near = fc.record({
      base: fc.constantFrom('::ffff:0:0', '64:ff9b::', '64:ff9b:1::', '2002::', '2001::', '::', '2600:1f18::', '52.20.0.0', '0.0.0.0'),
      kept: fc.constantFrom(8, 16, 48, 96),
      noise: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }),
      prefix: fc.integer({ min: 0, max: 128 }),
    });
    fc.assert(
      fc.property(near, ({ base, kept, noise, prefix }) => {
        const start = parsed(base);
        const bits = start.family === 'ipv4' ? 32 : 128;
        const free = BigInt(bits - Math.min(kept, bits));
        const value = start.first | (noise & ((1n << free) - 1n));
        const network = parsed(`${start.family === 'ipv4' ? dotted(value) : hex(value)}/${prefix % (bits + 1)}`);
        const alone = new AddressSpace().add(network);
        for (const family of ['ipv4', 'ipv6'] as const) expect(AddressSpace.countOne(network, family)).toBe(alone.count(family));
      }),
      { numRuns: 300 },
    );
  });
});
