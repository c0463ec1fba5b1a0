import { describe, expect, it } from 'vitest';
import { lintExample } from '../../src/lint/rules/examples/load.js';

/** A public endpoint whose allow list is `cidrs`, as a fragment of endpoints.yaml. */
function endpointAllowing(cidrs: string[]): string {
  return [
    'databases:',
    '  - name: orders',
    '    engine: postgresql',
    '    endpoints:',
    '      - name: orders-public',
    '        exposure: public',
    '        allow:',
    ...cidrs.map((cidr) => `          - cidr: "${cidr}"`),
    '',
  ].join('\n');
}

function findingsOf(ruleId: string, cidrs: string[], options?: Record<string, unknown>) {
  return lintExample(ruleId, { yaml: endpointAllowing(cidrs), options })
    .filter((finding) => finding.ruleId === ruleId)
    .map(({ path, message }) => ({ path, message }));
}

describe('issue 8, item 10: the breadth of an allowlist is counted over its union', () => {
  const slash16s = Array.from({ length: 256 }, (_, i) => `52.${i}.0.0/16`);

  it('reports 256 /16s that together are a /8, at the allow list, with the total and the limit', () => {
    expect(findingsOf('allowlist-breadth', slash16s)).toEqual([{
      path: 'databases[0].endpoints[0].allow',
      message: 'together, the allow entries of orders-public admit 16,777,216 IPv4 addresses (each counted once), more than the 1,048,576 allowed for one endpoint',
    }]);
  });

  it('counts overlapping entries once, and NAT64 forms of the same clients as those clients', () => {
    const twice = [...slash16s.slice(0, 16), ...slash16s.slice(0, 16), '64:ff9b::52.0.0.0/112'];
    expect(findingsOf('allowlist-breadth', twice)).toEqual([]);
    expect(findingsOf('allowlist-breadth', [...twice, '64:ff9b::52.16.0.0/128'])).toHaveLength(1);
  });

  it('takes its limit from the options', () => {
    expect(findingsOf('allowlist-breadth', slash16s, { ipv4MaxAddressesPerEndpoint: 16777216 })).toEqual([]);
    expect(findingsOf('allowlist-breadth', ['2600:1f18::/48', '2600:1f18:1::/48'], { ipv6MinPrefixLengthPerEndpoint: 48 })).toEqual([{
      path: 'databases[0].endpoints[0].allow',
      message: 'together, the allow entries of orders-public admit 2^81 IPv6 addresses (each counted once), more than the 2^80 (a /48) allowed for one endpoint',
    }]);
  });
});

describe('issue 8, item 9: IPv6 that embeds all of IPv4 is the whole IPv4 internet', () => {
  it.each([
    ['64:ff9b::/96'], ['::ffff:0:0:0/96'], ['::/96'], ['64:ff9b:1::/48'], ['64:ff9b:1:ab::/64'], ['64:ff9b:1:ab:0:cd::/96'], ['2002::/16'], ['2001::/32'],
  ])('%s is reported by no-world-open', (cidr) => {
    expect(findingsOf('no-world-open', [cidr])).toEqual([{
      path: 'databases[0].endpoints[0].allow[0].cidr',
      message: `"${cidr}" opens the endpoint to the whole IPv4 internet`,
    }]);
  });

  it('adds partial NAT64 ranges to each other and to IPv4 entries', () => {
    const together = [{ path: 'databases[0].endpoints[0].allow', message: 'together, the allow entries open the endpoint to the whole IPv4 internet' }];
    expect(findingsOf('no-world-open', ['64:ff9b::/97', '64:ff9b::128.0.0.0/97'])).toEqual(together);
    expect(findingsOf('no-world-open', ['0.0.0.0/1', '64:ff9b:1:ab::128.0.0.0/97'])).toEqual(together);
    expect(findingsOf('no-world-open', ['2002::/17', '2002:8000::/17'])).toEqual(together);
    expect(findingsOf('no-world-open', ['64:ff9b::/97', '64:ff9b::128.0.0.0/98'])).toEqual([]);
  });
});
