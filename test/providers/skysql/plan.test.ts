import { afterEach, describe, expect, it } from 'vitest';
import { applyFile } from '../../../src/plan/apply.js';
import { ToolError } from '../../../src/errors.js';
import { API_KEY, configFor, errorOf, privateDatabase, publicDatabase, startHarness, type Harness } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.fake.close();
  harness = undefined;
});

describe('skysql inspect', () => {
  it('finds services by name through every page of the listing, with no request per service', async () => {
    harness = await startHarness(
      {
        services: [
          { name: 'alpha' }, { name: 'beta' }, { name: 'gamma' }, { name: 'delta' },
          { name: 'orders', allowList: [{ ip: '203.0.113.7/32', comment: 'office' }] },
        ],
      },
      [publicDatabase('orders', [{ cidr: '203.0.113.7/32', description: 'office' }])],
    );
    const live = await harness.provider.inspect([configFor(harness.fake, [publicDatabase('orders', [])])]);
    expect(live.listed).toBe(5);
    expect(live.services).toEqual([
      expect.objectContaining({ name: 'orders', status: 'ready', cloud: 'aws', endpoint: { mechanism: 'nlb', allowlist: [{ cidr: '203.0.113.7/32', comment: 'office' }], allowedAccounts: [] } }),
    ]);
    const requests = harness.fake.requests;
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(Array(3).fill('GET /provisioning/v1/services'));
    expect(requests.map((r) => r.query.page_token)).toEqual([undefined, expect.any(String), expect.any(String)]);
    expect(requests.every((r) => r.apiKey === API_KEY && r.query.page_size === '2')).toBe(true);
  });

  it('takes an API URL written with its /provisioning/v1 prefix, as SkySQL documents it, without doubling it', async () => {
    harness = await startHarness({ services: [{ name: 'orders' }] }, [publicDatabase('orders', [])]);
    for (const suffix of ['/provisioning/v1', '/provisioning/v1/']) {
      const config = configFor(harness.fake, [publicDatabase('orders', [])]);
      const provider = harness.providerFor({ ...config, provider: { ...config.provider, apiUrl: `${harness.fake.url}${suffix}` } as typeof config.provider });
      expect((await provider.inspect([config])).listed).toBe(1);
    }
    expect(harness.fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(Array(2).fill('GET /provisioning/v1/services'));
  });

  it('acts in provider.orgId, sent as X-MDB-Org on every request, for a key whose user belongs to several organizations', async () => {
    harness = await startHarness(
      { organizations: ['org-home', 'org-production'], services: [{ name: 'orders', org: 'org-home' }, { name: 'orders', org: 'org-production', allowList: [{ ip: '52.20.10.10/32' }] }] },
      [],
    );
    const home = configFor(harness.fake, [publicDatabase('orders', ['52.20.10.10/32'])]);
    const production = { ...home, provider: { ...home.provider, orgId: 'org-production' } };
    const provider = harness.providerFor(production);
    expect(provider.diff(production, await provider.inspect([production]))).toEqual([]);
    expect(await applyFile(provider, production, { allowDestructive: false })).toEqual({ outcomes: [], ok: true });
    // Without the setting, the key's default organization: another service of the same name, whose allowlist differs.
    expect(harness.provider.diff(home, await harness.provider.inspect([home]))).toHaveLength(1);
    expect(harness.fake.requests.map((r) => r.org)).toEqual(['org-production', 'org-production', undefined]);
  });

  it('names the organization when the key may not act in it', async () => {
    harness = await startHarness({ services: [{ name: 'orders' }] }, []);
    const config = configFor(harness.fake, [publicDatabase('orders', [])]);
    const elsewhere = { ...config, provider: { ...config.provider, orgId: 'org-someone-else' } };
    expect((await errorOf(() => harness!.providerFor(elsewhere).inspect([elsewhere]))).message).toBe(
      'the API key from the environment variable SKYSQL_API_KEY may not GET /provisioning/v1/services in organization org-someone-else (provider.orgId) (403 Forbidden): the user of this API key is not a member of organization org-someone-else',
    );
  });

  it('reads a private service, taking the older mechanism name privatelink as privateconnect', async () => {
    harness = await startHarness({ services: [{ name: 'ledger', mechanism: 'privatelink', allowedAccounts: ['123456789012'] }] }, [privateDatabase('ledger', ['123456789012'])]);
    const live = await harness.provider.inspect([configFor(harness.fake, [privateDatabase('ledger', [])])]);
    expect(live.services[0]?.endpoint).toEqual({ mechanism: 'privateconnect', allowlist: [], allowedAccounts: ['123456789012'] });
    expect(harness.provider.diff(configFor(harness.fake, [privateDatabase('ledger', ['123456789012'])]), live)).toEqual([]);
  });
});

describe('skysql plan', () => {
  it('plans an allowlist change as one update of the whole list, saying what is added, removed and re-commented', async () => {
    harness = await startHarness(
      { services: [{ name: 'orders', allowList: [{ ip: '203.0.113.7/32', comment: 'office' }, { ip: '198.51.100.0/24', comment: 'old vpn' }] }] },
      [],
    );
    const desired = configFor(harness.fake, [publicDatabase('orders', [
      { cidr: '203.0.113.7', description: 'head office' },
      { cidr: '52.20.10.10/32', description: 'Metabase' },
    ])]);
    const changes = harness.provider.diff(desired, await harness.provider.inspect([desired]));
    expect(changes).toEqual([{
      address: 'skysql.allowlist.orders/orders-public',
      resource: 'allowlist',
      action: 'update',
      reason: 'allowlist of orders: add 52.20.10.10/32 (Metabase); remove 198.51.100.0/24; change the comment of 203.0.113.7/32 "office" → "head office"',
      destructive: false,
      before: [{ cidr: '203.0.113.7/32', comment: 'office' }, { cidr: '198.51.100.0/24', comment: 'old vpn' }],
      after: [{ cidr: '203.0.113.7/32', comment: 'head office' }, { cidr: '52.20.10.10/32', comment: 'Metabase' }],
      path: ['databases', 0, 'endpoints', 0, 'allow'],
      // What apply sends: the whole list in one request.
      operation: {
        kind: 'replace-allowlist',
        service: { id: harness.fake.service('orders').id, name: 'orders' },
        items: [{ ip: '203.0.113.7/32', comment: 'head office' }, { ip: '52.20.10.10/32', comment: 'Metabase' }],
      },
    }]);
  });

  it('plans nothing when the allowlist matches in another order and spelling', async () => {
    harness = await startHarness({ services: [{ name: 'orders', allowList: [{ ip: '52.20.10.10' }, { ip: '34.90.0.0/28' }] }] }, []);
    const desired = configFor(harness.fake, [publicDatabase('orders', ['34.90.0.0/28', '52.20.10.10/32'])]);
    expect(harness.provider.diff(desired, await harness.provider.inspect([desired]))).toEqual([]);
  });

  it('plans public → private as a destructive replace that drops connections and clears the allowlist', async () => {
    harness = await startHarness({ services: [{ name: 'orders', allowList: [{ ip: '203.0.113.7/32' }, { ip: '52.20.10.10/32' }] }] }, []);
    const desired = configFor(harness.fake, [privateDatabase('orders', ['123456789012'])]);
    const [change, ...rest] = harness.provider.diff(desired, await harness.provider.inspect([desired]));
    expect(rest).toEqual([]);
    expect(change).toMatchObject({
      address: 'skysql.endpoint.orders/orders-private',
      resource: 'endpoint',
      action: 'replace',
      destructive: true,
      path: ['databases', 0, 'endpoints', 0, 'exposure'],
      after: { mechanism: 'privateconnect', allowedAccounts: ['123456789012'] },
    });
    expect(change?.reason).toBe('switches orders from public (nlb) to private connect for 123456789012: SkySQL recreates the endpoint, open connections drop, and the IP allowlist (2 entries) is cleared');
  });

  it('plans private → public as a destructive replace followed by the allowlist the new endpoint needs', async () => {
    harness = await startHarness({ services: [{ name: 'orders', mechanism: 'privateconnect', allowedAccounts: ['123456789012'] }] }, []);
    const desired = configFor(harness.fake, [publicDatabase('orders', ['52.20.10.10/32'])]);
    const changes = harness.provider.diff(desired, await harness.provider.inspect([desired]));
    expect(changes.map((c) => [c.address, c.action, c.destructive])).toEqual([
      ['skysql.endpoint.orders/orders-public', 'replace', true],
      ['skysql.allowlist.orders/orders-public', 'update', false],
    ]);
    expect(changes[0]?.reason).toContain('open connections drop');
    expect(changes[1]).toMatchObject({ before: [], after: [{ cidr: '52.20.10.10/32', comment: '' }] });
  });

  it('plans a change of allowed accounts on a private service as a plain update', async () => {
    harness = await startHarness({ services: [{ name: 'orders', mechanism: 'privateconnect', allowedAccounts: ['111111111111', '222222222222'] }] }, []);
    const desired = configFor(harness.fake, [privateDatabase('orders', ['222222222222', '333333333333'])]);
    expect(harness.provider.diff(desired, await harness.provider.inspect([desired]))).toEqual([
      expect.objectContaining({
        address: 'skysql.allowed-accounts.orders/orders-private',
        action: 'update',
        destructive: false,
        reason: 'allowed accounts of orders: add 333333333333; remove 111111111111',
      }),
    ]);
  });

  it('shows an allowlist edit made outside the file as drift against the baseline', async () => {
    harness = await startHarness({ services: [{ name: 'orders', allowList: [{ ip: '52.20.10.10/32', comment: 'Metabase' }] }] }, []);
    const baseline = configFor(harness.fake, [publicDatabase('orders', [{ cidr: '52.20.10.10/32', description: 'Metabase' }])]);
    expect(harness.provider.diff(baseline, await harness.provider.inspect([baseline]))).toEqual([]);

    // Someone adds an address in the portal (the API's add-one call).
    const response = await fetch(`${harness.fake.url}/provisioning/v1/services/${harness.fake.service('orders').id}/security/allowlist`, {
      method: 'POST',
      headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ip_address: '0.0.0.0/0' }),
    });
    expect(response.status).toBe(200);

    const drift = harness.provider.diff(baseline, await harness.provider.inspect([baseline]));
    expect(drift).toEqual([expect.objectContaining({ address: 'skysql.allowlist.orders/orders-public', reason: 'allowlist of orders: remove 0.0.0.0/0' })]);
  });

  it('applies the limit of the cloud the service runs on: 30 entries, 200 on GCP', async () => {
    const many = Array.from({ length: 31 }, (_, i) => `198.51.100.${i}/32`);
    harness = await startHarness({ services: [{ name: 'aws-db', provider: 'aws' }, { name: 'gcp-db', provider: 'gcp' }] }, []);
    const onAws = configFor(harness.fake, [publicDatabase('aws-db', many)]);
    const error = await errorOf(async () => harness!.provider.diff(onAws, await harness!.provider.inspect([onAws])));
    expect(error).toBeInstanceOf(ToolError);
    expect(error.message).toBe('databases[0].endpoints[0].allow: SkySQL on AWS takes at most 30 allowlist entries; aws-db has 31');

    const onGcp = configFor(harness.fake, [publicDatabase('gcp-db', many)]);
    expect(harness.provider.diff(onGcp, await harness.provider.inspect([onGcp]))).toHaveLength(1);
  });

  it.each([
    ['2001:db8::/48', 'databases[0].endpoints[0].allow[0].cidr: SkySQL filters IPv4 only; 2001:db8::/48 is IPv6'],
    ['10.1.2.3/8', 'databases[0].endpoints[0].allow[0].cidr: SkySQL requires the network address: write 10.0.0.0/8'],
  ])('refuses %s, which SkySQL would refuse', async (cidr, message) => {
    harness = await startHarness({ services: [{ name: 'orders' }] }, []);
    const desired = configFor(harness.fake, [publicDatabase('orders', [cidr])]);
    const live = await harness.provider.inspect([desired]);
    expect(() => harness!.provider.diff(desired, live)).toThrow(message);
  });

  it('makes unsupported shapes clear errors: no such service, a repeated name, two endpoints, no accounts', async () => {
    harness = await startHarness({ services: [{ name: 'twin' }, { name: 'twin' }, { name: 'orders' }] }, []);
    const check = async (databases: Parameters<typeof configFor>[1]) => {
      const config = configFor(harness!.fake, databases);
      return (await errorOf(async () => harness!.provider.diff(config, await harness!.provider.inspect([config])))).message;
    };
    expect(await check([publicDatabase('missing', [])])).toBe(
      'databases[0].name: no SkySQL service is named missing (the API key sees 3 services in the organization it acts in: provider.orgId, or the key\'s default); dbfence manages existing services and does not create them',
    );
    expect(await check([publicDatabase('twin', [])])).toMatch(/^databases\[0\]\.name: 2 SkySQL services are named twin \(db\w+, db\w+\); dbfence cannot tell which one the file means$/);
    const both = publicDatabase('orders', []);
    both.endpoints!.push(privateDatabase('orders', ['123456789012']).endpoints![0]!);
    expect(await check([both])).toBe('databases[0].endpoints: a SkySQL service has one endpoint, public (nlb) or private (privateconnect); orders declares 2');
    expect(await check([privateDatabase('orders', [])])).toBe('databases[0].endpoints[0]: SkySQL private connect requires allowed accounts; orders-private names none');
  });

  it('leaves the endpoint of a database that declares none alone', async () => {
    harness = await startHarness({ services: [{ name: 'orders', allowList: [{ ip: '0.0.0.0/0' }] }] }, []);
    const desired = configFor(harness.fake, [{ name: 'orders', engine: 'mariadb' }]);
    expect(harness.provider.diff(desired, await harness.provider.inspect([desired]))).toEqual([]);
  });

  it('says clients use the system trust store instead of handing out a CA certificate', async () => {
    harness = await startHarness({}, []);
    await expect(harness.provider.caCertificate()).rejects.toThrow(/public certificate authority.*system trust store/);
  });
});
