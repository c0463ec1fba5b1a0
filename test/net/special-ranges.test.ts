import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAMILY_BITS, fromBigInt, type Network, parseCidr } from '../../src/net/cidr.js';
import { nonRoutableNames, specialRanges } from '../../src/net/special-ranges.js';

function parsed(text: string): Network {
  const result = parseCidr(text);
  if (!result.ok) throw new Error(`${text}: ${result.reason}`);
  return result.network;
}

function namesOf(cidr: string): string[] {
  return nonRoutableNames(parsed(cidr));
}

const PRIVATE = 'private (RFC 1918)';

describe('nonRoutableNames', () => {
  it.each([
    ['10.1.2.3', PRIVATE],
    ['172.16.5.4', PRIVATE],
    ['172.31.255.255', PRIVATE],
    ['192.168.1.1', PRIVATE],
    ['100.64.1.1', 'shared address space (CGNAT)'],
    ['100.127.255.255', 'shared address space (CGNAT)'],
    ['192.0.2.10', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['2001:2::1', 'benchmarking'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['fd00::1', 'unique local (private)'],
    ['fc00::1', 'unique local (private)'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['::ffff:10.0.0.1', PRIVATE],
    ['::ffff:192.168.0.1', PRIVATE],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:100.64.0.1', 'shared address space (CGNAT)'],
    ['::ffff:192.0.2.1', 'documentation'],
  ])('%s is %s', (address, name) => {
    expect(namesOf(address)).toEqual([name]);
  });

  it.each(['8.8.8.8', '52.20.10.10', '34.90.0.0/28', '2606:4700::1111', '::ffff:8.8.8.8', '172.32.0.1', '100.128.0.1'])(
    '%s is routable',
    (address) => {
      expect(namesOf(address)).toEqual([]);
    },
  );

  it.each([
    ['10.20.0.0/16', PRIVATE],
    ['192.168.0.0/16', PRIVATE],
    ['198.18.0.0/15', 'benchmarking'],
    ['192.0.2.0/25', 'documentation'],
    ['2001:db8:1::/48', 'documentation'],
    ['fd12:3456::/32', 'unique local (private)'],
    ['::ffff:10.0.0.0/104', PRIVATE],
  ])('%s, wholly inside one range, gets that one name', (cidr, name) => {
    expect(namesOf(cidr)).toEqual([name]);
  });

  it('names every special range a broad network reaches', () => {
    expect(namesOf('192.0.0.0/16').sort()).toEqual(['documentation', 'reserved']);
    expect(namesOf('8.0.0.0/5').sort()).toEqual([PRIVATE]);
    expect(namesOf('0.0.0.0/0')).toEqual(expect.arrayContaining([PRIVATE, 'loopback', 'documentation', 'benchmarking', 'multicast']));
    expect(namesOf('::/0')).toEqual(expect.arrayContaining([PRIVATE, 'unique local (private)', 'link-local', 'documentation']));
  });

  it('gives any network inside a special range exactly one name, of a range that holds it', () => {
    const ranges = specialRanges();
    const inside = fc.record({ index: fc.nat({ max: ranges.length - 1 }), extraBits: fc.nat(), offset: fc.bigInt({ min: 0n, max: 2n ** 128n }) });
    fc.assert(
      fc.property(inside, ({ index, extraBits, offset }) => {
        const range = ranges[index]!;
        const bits = FAMILY_BITS[range.family];
        const size = range.last - range.first + 1n;
        const rangeHostBits = size.toString(2).length - 1;
        const hostBits = rangeHostBits - (extraBits % (rangeHostBits + 1));
        const first = range.first + (((offset % size) >> BigInt(hostBits)) << BigInt(hostBits));
        const network = parsed(`${fromBigInt(range.family, first)}/${bits - hostBits}`);
        const names = nonRoutableNames(network);
        expect(names).toHaveLength(1);
        const holders = ranges.filter((r) => r.family === range.family && r.first <= network.first && network.last <= r.last);
        expect(holders.map((r) => r.name)).toContain(names[0]);
      }),
      { numRuns: 300 },
    );
  });

  it('names an IPv4 address and its IPv4-mapped form alike', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), (octets) => {
        const dotted = octets.join('.');
        expect(namesOf(`::ffff:${dotted}`)).toEqual(namesOf(dotted));
      }),
      { numRuns: 300 },
    );
  });
});
