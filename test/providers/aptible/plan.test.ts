import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import type { FakeAccount } from '../../fakes/aptible/model.js';
import { database, endpoint, type Harness, plan, startHarness } from './harness.js';

let h: Harness;
let production: FakeAccount;

beforeEach(async () => {
  h = await startHarness();
  production = h.fake.model.addEnvironment('production', '-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n');
});
afterEach(() => h.fake.close());

describe('aptible inspect', () => {
  it('reads every database and endpoint of the environment in a few list walks, following the pages', async () => {
    const m = h.fake.model;
    m.addEnvironment('staging');
    const staging = [...m.accounts.values()].find((a) => a.handle === 'staging')!;
    m.addDatabase(staging, 'orders');
    const orders = m.addDatabase(production, 'orders');
    const billing = m.addDatabase(production, 'billing');
    m.addDatabase(production, 'unmanaged');
    m.addEndpoint(m.addApp(production, 'web'), { type: 'http' });
    const first = m.addEndpoint(orders, { ipWhitelist: ['203.0.113.10/32'] });
    m.addEndpoint(orders, { ipWhitelist: ['198.51.100.0/24'] });
    m.addEndpoint(orders, { internal: true });
    m.addEndpoint(billing, { ipWhitelist: ['192.0.2.1'] });

    const provider = h.provider();
    const live = await provider.inspect([h.config([database('orders', []), database('billing', [])])]);

    expect(Object.keys(live.databases).sort()).toEqual(['billing', 'orders']);
    expect(live.databases.orders!.id).toBe(orders.id);
    expect(live.databases.orders!.endpoints.map((e) => [e.hostname, e.internal, e.ipWhitelist])).toEqual([
      [first.externalHost, false, ['203.0.113.10/32']],
      [expect.stringMatching(/aptible\.in$/), false, ['198.51.100.0/24']],
      [expect.stringMatching(/aptible\.in$/), true, []],
    ]);
    const paths = new Set(h.fake.requests.map((r) => `${r.method} ${r.path.replace(/\d+/g, ':id')}`));
    // No read per database or per service: the API lists the environment's endpoints in one walk.
    expect(paths).toEqual(new Set(['GET /accounts', 'GET /accounts/:id/databases', 'GET /accounts/:id/vhosts']));
    expect(h.fake.requests.filter((r) => r.path.endsWith('/vhosts')).length).toBeGreaterThan(1);
    expect(h.fake.requests.find((r) => r.path.endsWith('/databases'))!.query.no_embed).toBe('true');
  });

  it('names the environments the token can see when the declared one is not among them', async () => {
    h.fake.model.accounts.clear();
    h.fake.model.addEnvironment('staging');
    h.fake.model.addEnvironment('sandbox');
    const provider = h.provider();
    await expect(provider.inspect([h.config([])])).rejects.toThrow(new ToolError('Aptible environment production not found: the token sees staging, sandbox'));
    h.fake.model.accounts.clear();
    await expect(provider.inspect([h.config([])])).rejects.toThrow('Aptible environment production not found: the token sees no environment');
  });

  it("reads the environment's CA certificate", async () => {
    await expect(h.provider().caCertificate()).resolves.toContain('BEGIN CERTIFICATE');
  });
});

describe('aptible plan', () => {
  it('plans a new endpoint with its IP filter, then the database restart as its own disruptive step', async () => {
    h.fake.model.addDatabase(production, 'orders');
    const desired = h.config([database('orders', [endpoint('orders-public', ['203.0.113.10/32', '198.51.100.0/24'])])]);

    const changes = await plan(h.provider(), desired);

    expect(changes).toEqual([
      expect.objectContaining({
        address: 'aptible.endpoint.orders/orders-public', resource: 'endpoint', action: 'create', destructive: false,
        after: { exposure: 'public', allow: ['203.0.113.10/32', '198.51.100.0/24'] },
        path: ['databases', 0, 'endpoints', 0],
      }),
      expect.objectContaining({
        address: 'aptible.database.orders', resource: 'restart', action: 'update', destructive: false, disruptive: true,
        path: ['databases', 0],
      }),
    ]);
    expect(changes[1]!.reason).toMatch(/certificate of orders names a new endpoint hostname only after the database restarts/);
  });

  it('plans no restart for a database type whose certificate does not name endpoints', async () => {
    h.fake.model.addDatabase(production, 'cache', { type: 'redis' });
    const changes = await plan(h.provider(), h.config([database('cache', [endpoint('cache-public', ['203.0.113.10/32'])])]));
    expect(changes.map((c) => c.resource)).toEqual(['endpoint']);
  });

  it('plans an IP filter change as one update that says what it admits and no longer admits', async () => {
    const orders = h.fake.model.addDatabase(production, 'orders');
    h.fake.model.addEndpoint(orders, { ipWhitelist: ['203.0.113.10', '198.51.100.0/24'] });
    const desired = h.config([database('orders', [endpoint('orders-public', ['203.0.113.10/32', '192.0.2.0/28'])])]);

    const changes = await plan(h.provider(), desired);

    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      address: 'aptible.endpoint.orders/orders-public', resource: 'ip-filter', action: 'update', destructive: false,
      before: ['203.0.113.10', '198.51.100.0/24'], after: ['203.0.113.10/32', '192.0.2.0/28'],
      path: ['databases', 0, 'endpoints', 0, 'allow'],
    });
    expect(changes[0]!.reason).toMatch(/admits 192\.0\.2\.0\/28 and no longer admits 198\.51\.100\.0\/24$/);
  });

  it('plans nothing when the live endpoint already matches, whatever the order or spelling of its entries', async () => {
    const orders = h.fake.model.addDatabase(production, 'orders');
    h.fake.model.addEndpoint(orders, { ipWhitelist: ['198.51.100.0/24', '203.0.113.10'] });
    const desired = h.config([database('orders', [endpoint('orders-public', ['203.0.113.10/32', '198.51.100.0/24'])])]);
    expect(await plan(h.provider(), desired)).toEqual([]);
  });

  it('plans the deprovisioning of an undeclared endpoint as destructive, and leaves internal endpoints and other databases alone', async () => {
    const m = h.fake.model;
    const orders = m.addDatabase(production, 'orders');
    const kept = m.addEndpoint(orders, { ipWhitelist: ['203.0.113.10/32'] });
    const stray = m.addEndpoint(orders, { ipWhitelist: ['0.0.0.0/0'] });
    m.addEndpoint(orders, { internal: true });
    m.addEndpoint(m.addDatabase(production, 'unmanaged'), { ipWhitelist: [] });
    const desired = h.config([database('orders', [endpoint('orders-public', ['203.0.113.10/32'], kept.externalHost!)])]);

    const changes = await plan(h.provider(), desired);

    expect(changes).toEqual([
      expect.objectContaining({
        address: `aptible.endpoint.orders/${stray.externalHost}`, resource: 'endpoint', action: 'delete', destructive: true,
        before: { hostname: stray.externalHost, allow: ['0.0.0.0/0'] },
      }),
    ]);
    expect(changes[0]!.path).toBeUndefined();
  });

  it('deprovisions every external endpoint of a database that declares none', async () => {
    const orders = h.fake.model.addDatabase(production, 'orders');
    h.fake.model.addEndpoint(orders, { ipWhitelist: ['203.0.113.10/32'] });
    const changes = await plan(h.provider(), h.config([{ name: 'orders', engine: 'postgresql' }]));
    expect(changes.map((c) => [c.action, c.destructive])).toEqual([['delete', true]]);
  });

  it('matches endpoints by pinned hostname first, so reordering the file changes nothing', async () => {
    const orders = h.fake.model.addDatabase(production, 'orders');
    const a = h.fake.model.addEndpoint(orders, { ipWhitelist: ['203.0.113.10/32'] });
    const b = h.fake.model.addEndpoint(orders, { ipWhitelist: ['198.51.100.0/24'] });
    const desired = h.config([database('orders', [
      endpoint('for-b', ['198.51.100.0/24'], b.externalHost!),
      endpoint('for-a', ['203.0.113.10/32', '192.0.2.1/32'], a.externalHost!),
    ])]);

    const changes = await plan(h.provider(), desired);

    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ address: 'aptible.endpoint.orders/for-a', resource: 'ip-filter', path: ['databases', 0, 'endpoints', 1, 'allow'] });
    expect(changes[0]!.reason).toContain(a.externalHost!);
  });

  it('reports a declared hostname that is not the one Aptible assigned, where the file declares it', async () => {
    const orders = h.fake.model.addDatabase(production, 'orders');
    const live = h.fake.model.addEndpoint(orders, { ipWhitelist: ['203.0.113.10/32'] });
    const desired = h.config([database('orders', [endpoint('orders-public', ['203.0.113.10/32'], 'orders.db.example.com')])]);
    const provider = h.provider();
    const state = await provider.inspect([desired]);

    expect(provider.diff(desired, state)).toEqual([]);
    expect(provider.notices(desired, state)).toEqual([{
      ruleId: 'certificate-expiry',
      message: `orders/orders-public declares hostname orders.db.example.com, but its Aptible endpoint is ${live.externalHost} and the certificate names only that: write hostname: ${live.externalHost}`,
      address: 'aptible.endpoint.orders/orders-public',
      path: ['databases', 0, 'endpoints', 0, 'hostname'],
    }]);
  });

  it('shows a change made outside the file as drift against the baseline', async () => {
    const orders = h.fake.model.addDatabase(production, 'orders');
    const vhost = h.fake.model.addEndpoint(orders, { ipWhitelist: ['203.0.113.10/32'] });
    const baseline = h.config([database('orders', [endpoint('orders-public', ['203.0.113.10/32'], vhost.externalHost!)])]);
    const provider = h.provider();
    expect(provider.diff(baseline, await provider.inspect([baseline]))).toEqual([]);

    vhost.ipWhitelist = ['203.0.113.10/32', '0.0.0.0/0'];
    const drift = provider.diff(baseline, await provider.inspect([baseline, baseline]));

    expect(drift).toEqual([expect.objectContaining({
      address: 'aptible.endpoint.orders/orders-public', resource: 'ip-filter', action: 'update',
      before: ['203.0.113.10/32', '0.0.0.0/0'], after: ['203.0.113.10/32'],
    })]);
    expect(drift[0]!.reason).toContain('no longer admits 0.0.0.0/0');
  });

  it('plans to finish an endpoint an interrupted run left unprovisioned, and the restart it then needs', async () => {
    const orders = h.fake.model.addDatabase(production, 'orders');
    h.fake.model.addEndpoint(orders, { ipWhitelist: ['203.0.113.10/32'], status: 'pending' });
    const changes = await plan(h.provider(), h.config([database('orders', [endpoint('orders-public', ['203.0.113.10/32'])])]));
    expect(changes.map((c) => [c.address, c.action, c.resource])).toEqual([
      ['aptible.endpoint.orders/orders-public', 'update', 'endpoint'],
      ['aptible.database.orders', 'update', 'restart'],
    ]);
    expect(changes[0]!.reason).toMatch(/is pending: provision it$/);
  });

  it('refuses endpoints for a database that does not exist or is not provisioned', async () => {
    h.fake.model.addDatabase(production, 'fresh', { provisioned: false });
    const provider = h.provider();
    const missing = h.config([database('ghost', [endpoint('ghost-public', ['203.0.113.10/32'])])]);
    expect(() => provider.diff(missing, { environment: { id: production.id, handle: 'production' }, databases: {}, accounts: new Map() }))
      .toThrow('database ghost does not exist in the Aptible environment production: dbfence manages the endpoints of existing databases');
    const fresh = h.config([database('fresh', [endpoint('fresh-public', ['203.0.113.10/32'])])]);
    await expect(plan(provider, fresh)).rejects.toThrow('database fresh is not provisioned on Aptible (status pending): it cannot have endpoints yet');
  });
});
