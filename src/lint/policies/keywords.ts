import type { Ajv, KeywordDefinition } from 'ajv';
import { AddressSpace } from '../../net/address-space.js';
import { addressCount, type Network, parseCidr, parseCidrLenient } from '../../net/cidr.js';
import { nonRoutableNames } from '../../net/special-ranges.js';

/**
 * dbfence's JSON Schema keywords for address semantics in custom policies.
 * Each applies to a string holding a CIDR or address; text that does not
 * parse fails the assertion (fail closed) rather than passing it.
 */
function cidrKeyword<Setting>(
  keyword: string, schemaType: object, test: (network: Network, setting: Setting) => boolean,
): KeywordDefinition {
  return {
    keyword,
    type: 'string',
    metaSchema: schemaType,
    compile(schema: Setting) {
      return (data: string) => {
        const network = parseCidrLenient(data);
        return network !== undefined && test(network, schema);
      };
    },
    errors: false,
  };
}

function spaceOf(cidrs: string[]): AddressSpace {
  const space = new AddressSpace();
  for (const text of cidrs) {
    const parsed = parseCidr(text);
    if (!parsed.ok) throw new Error(`"${text}" is not a CIDR: ${parsed.reason}`);
    space.add(parsed.network);
  }
  return space;
}

const CIDR_LIST = { type: 'array', items: { type: 'string' }, minItems: 1 };

export function addCidrKeywords(ajv: Ajv): void {
  ajv.addKeyword(cidrKeyword<number>('cidrMaxAddresses', { type: 'number', minimum: 1 },
    (network, max: number) => addressCount(network) <= BigInt(Math.floor(max))));
  ajv.addKeyword(cidrKeyword<number>('cidrMinPrefixLength', { type: 'integer', minimum: 0, maximum: 128 },
    (network, min: number) => network.prefix >= min));
  ajv.addKeyword(cidrKeyword<string>('cidrFamily', { enum: ['ipv4', 'ipv6'] },
    (network, family: string) => network.family === family));
  ajv.addKeyword(cidrKeyword<boolean>('cidrRoutable', { type: 'boolean' },
    (network, routable: boolean) => (nonRoutableNames(network).length === 0) === routable));
  ajv.addKeyword({
    keyword: 'cidrInside',
    type: 'string',
    metaSchema: CIDR_LIST,
    compile(cidrs: string[]) {
      const space = spaceOf(cidrs);
      return (data: string) => {
        const network = parseCidrLenient(data);
        return network !== undefined && space.contains(network);
      };
    },
    errors: false,
  });
  ajv.addKeyword({
    keyword: 'cidrOutside',
    type: 'string',
    metaSchema: CIDR_LIST,
    compile(cidrs: string[]) {
      const space = spaceOf(cidrs);
      return (data: string) => {
        const network = parseCidrLenient(data);
        return network !== undefined && !space[network.family].intersects(network.first, network.last);
      };
    },
    errors: false,
  });
}
