import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { type Network, parseCidr } from '../../src/net/cidr.js';
import { embeddedIpv4, embedsAllIpv4, IPV4_EMBEDDINGS, ipv4Through } from '../../src/net/embedded-ipv4.js';
import { IntervalSet } from '../../src/net/interval-set.js';

const IPV4_ALL = 2n ** 32n - 1n;

function parsed(text: string): Network {
  const result = parseCidr(text);
  if (!result.ok) throw new Error(`${text}: ${result.reason}`);
  return result.network;
}

function ipv4(text: string): bigint {
  return parsed(text).first;
}

/** The IPv4 addresses a network stands for, as one union. */
function folded(cidr: string): IntervalSet {
  const set = new IntervalSet(32);
  for (const range of embeddedIpv4(parsed(cidr))) set.add(range.first, range.last);
  return set;
}

describe('IPV4_EMBEDDINGS', () => {
  it('lists blocks that ipaddr.js knows under the same RFCs, and the deprecated IPv4-compatible ::/96', () => {
    const names = IPV4_EMBEDDINGS.map(({ block }) => {
      const address = ipaddr.IPv6.parse(block.canonical.split('/')[0]!);
      return `${block.canonical} ${address.range()}`;
    });
    expect(names).toEqual([
      '::ffff:0:0/96 ipv4Mapped',
      '::ffff:0:0:0/96 rfc6145',
      '::/96 unspecified',
      '64:ff9b::/96 rfc6052',
      '64:ff9b:1::/48 rfc6052',
      '2002::/16 6to4',
      '2001::/32 teredo',
    ]);
  });

  it('is the list the no-world-open page documents, each block with its name and RFC', () => {
    const page = readFileSync(new URL('../../docs/rules/no-world-open.md', import.meta.url), 'utf8');
    for (const { name, block, rfc } of IPV4_EMBEDDINGS) {
      const row = page.split('\n').find((line) => line.startsWith(`| \`${block.canonical}\` | ${name} (`));
      expect(row, block.canonical).toBeDefined();
      for (const number of rfc.match(/RFC \d+/g)!) expect(row, block.canonical).toContain(number);
    }
  });
});

describe('embeddedIpv4', () => {
  it.each([
    '::ffff:0:0/96', '::ffff:0:0:0/96', '::/96', '64:ff9b::/96', '64:ff9b:1::/48', '64:ff9b:1:ab00::/56',
    '64:ff9b:1:abcd::/64', '64:ff9b:1:abcd:0:1::/96', '2002::/16', '2001::/32', '2001:0:4136:e378::/64', '::/0', '::/1',
  ])('%s stands for every IPv4 address', (cidr) => {
    expect(embedsAllIpv4(parsed(cidr))).toBe(true);
    expect(folded(cidr).coversAll()).toBe(true);
  });

  it.each(['2001:db8::/32', '2600::/12', '64:ff9b:2::/48', '::2:0:0/96', '8000::/1', 'fe80::/10', '64:ff9b:1:0:100::/72'])(
    '%s stands for no IPv4 address', (cidr) => {
      expect(embeddedIpv4(parsed(cidr))).toEqual([]);
    },
  );

  // RFC 6052 §2.4's table, with its prefixes moved into the local-use block 64:ff9b:1::/48 (RFC 8215).
  it.each([
    ['64:ff9b:1:c000:2:2100::', '/48'],
    ['64:ff9b:1:3c0:0:221::', '/56'],
    ['64:ff9b:1:344:c0:2:2100:0', '/64'],
    ['64:ff9b:1:344::c000:221', '/96'],
  ])('reads 192.0.2.33 out of %s (a %s network-specific prefix)', (address) => {
    expect(folded(address).covers(ipv4('192.0.2.33'), ipv4('192.0.2.33'))).toBe(true);
  });

  it.each([
    ['64:ff9b::c000:221', '192.0.2.33'],
    ['64:ff9b::c000:200/120', '192.0.2.0/24'],
    ['::ffff:0:c000:221', '192.0.2.33'],
    ['::ffff:0:3414:0/112', '52.20.0.0/16'],
    ['::3414:a0a', '52.20.10.10'],
    ['2002:3414:a0a::/48', '52.20.10.10'],
    ['2002:3414:a0a:1::/64', '52.20.10.10'],
    ['2002:3414::/32', '52.20.0.0/16'],
    // Teredo: 52.20.10.10 inverted is cb eb f5 f5.
    ['2001:0:4136:e378:8000:63bf:cbeb:f5f5', '52.20.10.10'],
    ['2001:0:4136:e378:8000:63bf:cbeb:0/112', '52.20.0.0/16'],
  ])('%s stands for %s', (cidr, expected) => {
    const want = parsed(expected);
    expect(folded(cidr).ranges()).toEqual([[want.first, want.last]]);
  });

  it('counts a local-use address under each format an operator could have chosen', () => {
    // Under /96 it is 192.0.2.33; under /64 its bytes read as 0.0.0.192, under /48 and /56 as 0.0.0.0.
    expect(folded('64:ff9b:1::c000:221').ranges()).toEqual([[0n, 0n], [192n, 192n], [ipv4('192.0.2.33'), ipv4('192.0.2.33')]]);
  });

  it('skips local-use ranges whose u octet (bits 64-71) is not zero: RFC 6052 §2.2 forbids them', () => {
    expect(embeddedIpv4(parsed('64:ff9b:1:1:100::/72'))).toEqual([]);
    expect(embeddedIpv4(parsed('64:ff9b:1:1:8000::/65'))).toEqual([]);
    expect(embedsAllIpv4(parsed('64:ff9b:1:1::/65'))).toBe(true);
  });

  /**
   * The model, per format: IPv4 address V is in the range exactly when the
   * range holds a whole copy of IPv4 (it is no longer than the format's prefix,
   * and its u octet can be zero where one is required), or when writing V's
   * bytes into the range's first address (u octet zero, bits inverted for
   * Teredo) gives an address of the range, checked with ipaddr.js match.
   */
  it('holds exactly the IPv4 addresses a range embeds (probed with ipaddr.js match)', () => {
    const inBlock = fc.record({
      embedding: fc.constantFrom(...IPV4_EMBEDDINGS),
      noise: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })), { minLength: 16, maxLength: 16 }),
      prefix: fc.oneof(fc.integer({ min: 0, max: 128 }), fc.integer({ min: 40, max: 128 })),
      extra: fc.array(fc.bigInt({ min: 0n, max: IPV4_ALL }), { maxLength: 3 }),
    });
    const bytesOf = (network: Network) => ipaddr.IPv6.parse(network.canonical.split('/')[0]!).toByteArray();
    fc.assert(
      fc.property(inBlock, ({ embedding, noise, prefix, extra }) => {
        const { block } = embedding;
        // The block's own bits, then noise below its prefix: the range lies inside the block or holds it.
        const bytes = bytesOf(block).map((byte, i) => {
          const kept = (0xff << (8 - Math.max(0, Math.min(8, block.prefix - 8 * i)))) & 0xff;
          return (byte & kept) | (noise[i]! & ~kept & 0xff);
        });
        const network = parsed(`${ipaddr.fromByteArray(bytes).toString()}/${prefix}`);
        const part = prefix < block.prefix ? block : network;
        const partStart = ipaddr.fromByteArray(bytesOf(part)) as ipaddr.IPv6;
        const ranges = ipv4Through(network, embedding);
        const probes = [0n, IPV4_ALL, ...extra, ...ranges.flatMap((range) => [range.first - 1n, range.first, range.last, range.last + 1n])];
        embedding.formats.forEach((format, f) => {
          const wholeCopy = part.prefix <= format.prefixLength && (!embedding.zeroUOctet || bytesOf(part)[8] === 0);
          for (const probe of probes) {
            if (probe < 0n || probe > IPV4_ALL) continue;
            const written = embedding.inverted ? IPV4_ALL ^ probe : probe;
            const candidate = bytesOf(part);
            format.ipv4Bytes.forEach((index, k) => { candidate[index] = Number((written >> BigInt(8 * (3 - k))) & 0xffn); });
            if (embedding.zeroUOctet) candidate[8] = 0;
            const expected = wholeCopy || (ipaddr.fromByteArray(candidate) as ipaddr.IPv6).match(partStart, part.prefix);
            const range = ranges[f];
            const actual = range !== undefined && range.first <= probe && probe <= range.last;
            expect(actual, `${network.canonical}, format /${format.prefixLength}, IPv4 ${probe}`).toBe(expected);
          }
        });
      }),
      { numRuns: 500 },
    );
  });

  it('leaves IPv4 networks alone', () => {
    expect(embeddedIpv4(parsed('0.0.0.0/0'))).toEqual([]);
  });
});
