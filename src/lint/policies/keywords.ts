import type { Ajv, KeywordDefinition } from 'ajv';
import { AddressSpace } from '../../net/address-space.js';
import { addressCount, type Network, parseCidr, parseCidrLenient } from '../../net/cidr.js';
import { nonRoutableNames } from '../../net/special-ranges.js';

/**
 * dbfence's JSON Schema keywords for address semantics in custom policies.
 * Each checks a string holding a CIDR or address. Anything else fails the
 * assertion (fail closed) rather than passing it: text that does not parse,
 * and a value that is not a string at all, such as the whole `from` list
 * when the keyword was meant for its `items`.
 */
function cidrKeyword<Setting>(
  keyword: string, metaSchema: object, prepare: (setting: Setting) => (network: Network) => boolean,
): KeywordDefinition {
  return {
    keyword,
    metaSchema,
    compile(setting: Setting) {
      const test = prepare(setting);
      return (data: unknown) => {
        const network = typeof data === 'string' ? parseCidrLenient(data) : undefined;
        return network !== undefined && test(network);
      };
    },
    errors: false,
  };
}

/** The union of a keyword's CIDR list; a list a policy author could misread is refused. */
function spaceOf(cidrs: string[]): AddressSpace {
  const space = new AddressSpace();
  for (const text of cidrs) {
    const parsed = parseCidr(text);
    if (!parsed.ok) throw new Error(`"${text}" is not a CIDR: ${parsed.reason}`);
    if (parsed.network.hostBitsSet) throw new Error(`"${text}" has host bits set: write ${parsed.network.canonical} or the address alone`);
    space.add(parsed.network);
  }
  return space;
}

const CIDR_LIST = { type: 'array', items: { type: 'string' }, minItems: 1 };

export const CIDR_KEYWORDS = ['cidrMaxAddresses', 'cidrMinPrefixLength', 'cidrFamily', 'cidrRoutable', 'cidrInside', 'cidrOutside'] as const;

export function addCidrKeywords(ajv: Ajv): void {
  ajv.addKeyword(cidrKeyword<number>('cidrMaxAddresses', { type: 'number', minimum: 1 },
    (max) => (network) => addressCount(network) <= BigInt(Math.floor(max))));
  ajv.addKeyword(cidrKeyword<number>('cidrMinPrefixLength', { type: 'integer', minimum: 0, maximum: 128 },
    (min) => (network) => network.prefix >= min));
  ajv.addKeyword(cidrKeyword<string>('cidrFamily', { enum: ['ipv4', 'ipv6'] },
    (family) => (network) => network.family === family));
  ajv.addKeyword(cidrKeyword<boolean>('cidrRoutable', { type: 'boolean' },
    (routable) => (network) => (nonRoutableNames(network).length === 0) === routable));
  ajv.addKeyword(cidrKeyword<string[]>('cidrInside', CIDR_LIST, (cidrs) => {
    const space = spaceOf(cidrs);
    return (network) => space.contains(network);
  }));
  ajv.addKeyword(cidrKeyword<string[]>('cidrOutside', CIDR_LIST, (cidrs) => {
    const space = spaceOf(cidrs);
    return (network) => !space.intersects(network);
  }));
}
