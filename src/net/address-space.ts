import { FAMILY_BITS, type Family, mappedIpv4Range, type Network } from './cidr.js';
import { IntervalSet } from './interval-set.js';

const IPV4_MAPPED_BASE = 0xffffn << 32n;

/**
 * The union of networks of both families. IPv4 and the IPv4-mapped IPv6 block
 * (`::ffff:0:0/96`) are the same addresses, so each counts against the other:
 * `::ffff:0:0/96` opens the whole IPv4 internet.
 */
export class AddressSpace {
  readonly ipv4 = new IntervalSet(FAMILY_BITS.ipv4);
  readonly ipv6 = new IntervalSet(FAMILY_BITS.ipv6);

  add(network: Network): this {
    if (network.family === 'ipv4') {
      this.ipv4.add(network.first, network.last);
      this.ipv6.add(IPV4_MAPPED_BASE + network.first, IPV4_MAPPED_BASE + network.last);
    } else {
      this.ipv6.add(network.first, network.last);
      const mapped = mappedIpv4Range(network);
      if (mapped) this.ipv4.add(mapped.first, mapped.last);
    }
    return this;
  }

  /** The families whose whole address space the union covers. */
  worldFamilies(): Family[] {
    return (['ipv4', 'ipv6'] as const).filter((family) => this[family].coversAll());
  }

  /** True when every address of `network` is in the union. */
  contains(network: Network): boolean {
    return this[network.family].covers(network.first, network.last);
  }

  isEmpty(): boolean {
    return this.ipv4.isEmpty() && this.ipv6.isEmpty();
  }
}
