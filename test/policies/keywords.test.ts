import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { addCidrKeywords } from '../../src/lint/policies/keywords.js';

function keyword(schema: object): (value: string) => boolean {
  const ajv = new Ajv2020({ strictSchema: true });
  addCidrKeywords(ajv);
  const validate = ajv.compile(schema);
  return (value) => validate(value) as boolean;
}

describe('cidrOutside and cidrInside with IPv4 embedded in IPv6', () => {
  const outsidePrivate = keyword({ cidrOutside: ['10.0.0.0/8'] });

  it.each(['10.1.2.3', '::ffff:10.1.2.3', '64:ff9b::10.1.2.3', '64:ff9b::/96', '2002:a01:203::/48', '::/0'])(
    'cidrOutside [10.0.0.0/8] refuses %s, which reaches 10.0.0.0/8', (value) => {
      expect(outsidePrivate(value)).toBe(false);
    },
  );

  it.each(['11.1.2.3', '64:ff9b::11.1.2.3', '2600:1f18::/32'])('cidrOutside [10.0.0.0/8] accepts %s', (value) => {
    expect(outsidePrivate(value)).toBe(true);
  });

  it('takes a listed NAT64 range for what it reaches in cidrOutside, not for what it holds in cidrInside', () => {
    expect(keyword({ cidrOutside: ['64:ff9b::a00:0/104'] })('10.9.9.9')).toBe(false);
    expect(keyword({ cidrInside: ['64:ff9b::a00:0/104'] })('10.9.9.9')).toBe(false);
    expect(keyword({ cidrInside: ['::ffff:10.0.0.0/104'] })('10.9.9.9')).toBe(true);
  });

  it('keeps a NAT64 address out of an IPv4 list for cidrInside: it is an IPv6 address too (fail closed)', () => {
    expect(keyword({ cidrInside: ['52.20.10.0/24'] })('64:ff9b::52.20.10.10')).toBe(false);
    expect(keyword({ cidrInside: ['52.20.10.0/24'] })('::ffff:52.20.10.10')).toBe(true);
  });
});
