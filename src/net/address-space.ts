import { addressCount, FAMILY_BITS, type Family, type Network } from './cidr.js';
import { embeddedIpv4, IPV4_EMBEDDINGS, IPV4_MAPPED, ipv4Through, mappedIpv4Range } from './embedded-ipv4.js';
import { IntervalSet } from './interval-set.js';

/**
 * The union of networks of both families. IPv4 and the IPv4-mapped IPv6 block
 * (`::ffff:0:0/96`) are the same addresses, so each counts against the other:
 * `::ffff:0:0/96` opens the whole IPv4 internet. Other IPv6 blocks that embed
 * IPv4 (NAT64, 6to4, …: `IPV4_EMBEDDINGS`) reach the IPv4 clients they embed
 * through a translator or tunnel: they count against IPv4 for what the union
 * could let in (world, count, intersects), not for what it surely holds
 * (contains), so neither question is answered on the unsafe side.
 */
export class AddressSpace {
  /** IPv4 addresses, written as IPv4 or IPv4-mapped. */
  readonly ipv4 = new IntervalSet(FAMILY_BITS.ipv4);
  readonly ipv6 = new IntervalSet(FAMILY_BITS.ipv6);
  /** IPv4 addresses reached through the other embedding blocks only: usually none. */
  private readonly ipv4Embedded = new IntervalSet(FAMILY_BITS.ipv4);
  private reachedCache: IntervalSet | undefined;

  /** Every IPv4 address the union holds or reaches. */
  get ipv4Reached(): IntervalSet {
    if (this.ipv4Embedded.isEmpty()) return this.ipv4;
    if (!this.reachedCache) {
      this.reachedCache = new IntervalSet(FAMILY_BITS.ipv4);
      for (const [first, last] of [...this.ipv4.ranges(), ...this.ipv4Embedded.ranges()]) this.reachedCache.add(first, last);
    }
    return this.reachedCache;
  }

  add(network: Network): this {
    this.reachedCache = undefined;
    if (network.family === 'ipv4') {
      this.ipv4.add(network.first, network.last);
      this.ipv6.add(IPV4_MAPPED.block.first + network.first, IPV4_MAPPED.block.first + network.last);
    } else {
      this.ipv6.add(network.first, network.last);
      for (const embedding of IPV4_EMBEDDINGS) {
        const into = embedding === IPV4_MAPPED ? this.ipv4 : this.ipv4Embedded;
        for (const range of ipv4Through(network, embedding)) into.add(range.first, range.last);
      }
    }
    return this;
  }

  /** The families whose whole address space the union covers or reaches. */
  worldFamilies(): Family[] {
    return (['ipv4', 'ipv6'] as const).filter((family) => (family === 'ipv4' ? this.ipv4Reached : this.ipv6).coversAll());
  }

  /** True when every address of `network` is in the union. */
  contains(network: Network): boolean {
    return this[network.family].covers(network.first, network.last);
  }

  /** True when some address of `network`, or some IPv4 address it embeds, is in the union or reached by it. */
  intersects(network: Network): boolean {
    if (network.family === 'ipv4') return this.ipv4Reached.intersects(network.first, network.last);
    if (this.ipv6.intersects(network.first, network.last)) return true;
    return embeddedIpv4(network).some((range) => this.ipv4Reached.intersects(range.first, range.last));
  }

  /** How many addresses of a family the union admits or reaches; the IPv4-mapped block counts as IPv4, not IPv6. */
  count(family: Family): bigint {
    if (family === 'ipv4') return this.ipv4Reached.size();
    const { first, last } = IPV4_MAPPED.block;
    return this.ipv6.size() - this.ipv6.sizeWithin(first, last);
  }

  /**
   * What `count` would say of a union of this network alone, without building
   * one: for rules that judge every entry by itself.
   */
  static countOne(network: Network, family: Family): bigint {
    if (network.family === 'ipv4') return family === 'ipv4' ? addressCount(network) : 0n;
    if (family === 'ipv6') {
      const mapped = mappedIpv4Range(network);
      return addressCount(network) - (mapped ? mapped.last - mapped.first + 1n : 0n);
    }
    const ranges = embeddedIpv4(network);
    if (ranges.length <= 1) return ranges[0] ? ranges[0].last - ranges[0].first + 1n : 0n;
    const union = new IntervalSet(FAMILY_BITS.ipv4);
    for (const range of ranges) union.add(range.first, range.last);
    return union.size();
  }

  isEmpty(): boolean {
    return this.ipv4.isEmpty() && this.ipv6.isEmpty();
  }
}
