import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import type { FakeAccount, FakeDatabase } from '../../fakes/aptible/model.js';
import { database, endpoint, type Harness, plan, startHarness } from './harness.js';
import { applyFile } from '../../../src/plan/apply.js';

let h: Harness;
let production: FakeAccount;
let orders: FakeDatabase;

beforeEach(async () => {
  h = await startHarness();
  production = h.fake.model.addEnvironment('production');
  orders = h.fake.model.addDatabase(production, 'orders');
});
afterEach(() => h.fake.close());

/** The requests that change something, as `METHOD /path body`. */
function writes(): string[] {
  return h.fake.requests
    .filter((r) => r.method !== 'GET')
    .map((r) => `${r.method} ${r.path.replace(/\d+/g, ':id')} ${r.body}`);
}

describe('aptible apply', () => {
  it('creates an endpoint with its IP filter, waits for it, then restarts the database so the certificate names it', async () => {
    const desired = h.config([database('orders', [endpoint('orders-public', ['203.0.113.10/32'])])]);
    const provider = h.provider();

    const result = await applyFile(provider, desired, { allowDestructive: true });

    expect(result.ok).toBe(true);
    expect(result.outcomes.map((o) => [o.change.address, o.status])).toEqual([
      ['aptible.endpoint.orders/orders-public', 'applied'],
      ['aptible.database.orders', 'applied'],
    ]);
    expect(writes()).toEqual([
      'POST /services/:id/vhosts {"type":"tcp","internal":false,"ip_whitelist":["203.0.113.10/32"]}',
      'POST /vhosts/:id/operations {"type":"provision"}',
      'POST /databases/:id/operations {"type":"restart"}',
    ]);
    const [created] = h.fake.model.endpointsOf(orders);
    expect(created).toMatchObject({ status: 'provisioned', internal: false, ipWhitelist: ['203.0.113.10/32'] });
    expect(orders.certificateHostnames).toEqual([created!.externalHost]);
    expect(h.logs).toContain(`orders/orders-public is ${created!.externalHost}: write \`hostname: ${created!.externalHost}\` under it in the file to pin it`);
    expect(h.logs.some((line) => /restarting database orders: operation \d+ succeeded/.test(line))).toBe(true);

    expect(await plan(provider, desired)).toEqual([]);
  });

  it('refuses a plan that restarts the database unless acknowledged, before changing anything', async () => {
    const desired = h.config([database('orders', [endpoint('orders-public', ['203.0.113.10/32'])])]);
    const error = await applyFile(h.provider(), desired, { allowDestructive: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as Error).message).toMatch(/^apply refused: 1 change needs acknowledgement: aptible\.database\.orders \(disruptive: /);
    expect(writes()).toEqual([]);
  });

  it('changes an IP filter: stores it, then provisions it to the load balancer', async () => {
    const vhost = h.fake.model.addEndpoint(orders, { ipWhitelist: ['203.0.113.10/32'] });
    const desired = h.config([database('orders', [endpoint('orders-public', ['203.0.113.10/32', '198.51.100.0/24'], vhost.externalHost!)])]);
    const provider = h.provider();

    const result = await applyFile(provider, desired, { allowDestructive: false });

    expect(result).toMatchObject({ ok: true, outcomes: [{ status: 'applied', change: { resource: 'ip-filter' } }] });
    expect(writes()).toEqual([
      `PUT /vhosts/:id {"ip_whitelist":["203.0.113.10/32","198.51.100.0/24"]}`,
      'POST /vhosts/:id/operations {"type":"provision"}',
    ]);
    expect(vhost).toMatchObject({ status: 'provisioned', ipWhitelist: ['203.0.113.10/32', '198.51.100.0/24'] });
    expect(await plan(provider, desired)).toEqual([]);
  });

  it('deprovisions an endpoint the file no longer declares only when acknowledged', async () => {
    const vhost = h.fake.model.addEndpoint(orders, { ipWhitelist: ['203.0.113.10/32'] });
    const desired = h.config([database('orders', [])]);
    const provider = h.provider();

    await expect(applyFile(provider, desired, { allowDestructive: false }))
      .rejects.toThrow(`apply refused: 1 change needs acknowledgement: aptible.endpoint.orders/${vhost.externalHost} (destructive: `);
    expect(writes()).toEqual([]);
    expect(h.fake.model.vhosts.has(vhost.id)).toBe(true);

    const result = await applyFile(provider, desired, { allowDestructive: true });

    expect(result).toMatchObject({ ok: true, outcomes: [{ status: 'applied', change: { action: 'delete', destructive: true } }] });
    expect(writes()).toEqual(['POST /vhosts/:id/operations {"type":"deprovision"}']);
    expect(h.fake.model.vhosts.has(vhost.id)).toBe(false);
    expect(await plan(provider, desired)).toEqual([]);
  });

  it('reports an operation that fails, skips what follows, and plans the repair next time', async () => {
    h.fake.model.operationOutcome = ({ type }) => (type === 'provision' ? 'fail' : 'succeed');
    const desired = h.config([database('orders', [endpoint('orders-public', ['203.0.113.10/32'])])]);
    const provider = h.provider();

    const result = await applyFile(provider, desired, { allowDestructive: true });

    expect(result.ok).toBe(false);
    const [create, restart] = result.outcomes;
    const operationId = [...h.fake.model.operations.values()][0]!.id;
    expect(create).toMatchObject({ status: 'failed' });
    expect(create!.error).toBe(`creating endpoint orders/orders-public failed: Aptible operation ${operationId} (provision) failed; see \`aptible operation:logs ${operationId}\``);
    expect(restart).toMatchObject({ status: 'skipped', change: { address: 'aptible.database.orders' } });
    expect(restart!.error).toContain('`aptible db:restart orders`');
    expect(writes().some((w) => w.startsWith('POST /databases'))).toBe(false);

    h.fake.model.operationOutcome = () => 'succeed';
    const repair = await plan(provider, desired);
    expect(repair.map((c) => [c.action, c.resource])).toEqual([['update', 'endpoint'], ['update', 'restart']]);
    expect(repair[0]!.reason).toMatch(/is provision_failed: provision it$/);
    expect((await applyFile(provider, desired, { allowDestructive: true })).ok).toBe(true);
    expect(h.fake.model.endpointsOf(orders)).toHaveLength(1);
    expect(await plan(provider, desired)).toEqual([]);
  });

  it('gives up on an operation still pending past the bound, with a clear error', async () => {
    h.fake.model.operationOutcome = () => 'hang';
    const vhost = h.fake.model.addEndpoint(orders, { ipWhitelist: ['203.0.113.10/32'] });
    const stray = h.fake.model.addEndpoint(orders, { ipWhitelist: ['198.51.100.0/24'] });
    const desired = h.config([database('orders', [endpoint('orders-public', ['192.0.2.0/28'], vhost.externalHost!)])]);

    const result = await applyFile(h.provider([], { timings: { operationTimeoutMs: 60 } }), desired, { allowDestructive: true });

    const operationId = [...h.fake.model.operations.values()][0]!.id;
    expect(result.ok).toBe(false);
    expect(result.outcomes.map((o) => o.status)).toEqual(['failed', 'skipped']);
    expect(result.outcomes[0]!.error).toBe(
      `changing the IP filter of orders/orders-public did not finish within 60ms: Aptible operation ${operationId} (provision) is still queued and may yet finish; see \`aptible operation:logs ${operationId}\`, then plan again`,
    );
    expect(result.outcomes[1]).toMatchObject({ change: { address: `aptible.endpoint.orders/${stray.externalHost}` }, error: 'not attempted: an earlier step failed' });
    expect(h.fake.model.vhosts.has(stray.id)).toBe(true);
  });

  it("reports the API's reason when it refuses a change", async () => {
    const desired = h.config([database('orders', [endpoint('orders-public', ['2001:db8::/32'])])]);
    const result = await applyFile(h.provider(), desired, { allowDestructive: true });
    expect(result.outcomes[0]).toMatchObject({
      status: 'failed',
      error: 'Aptible API: POST /services/' + orders.serviceId + '/vhosts failed with 422: unprocessable_entity: Ip whitelist contains an invalid IPv4 source: 2001:db8::/32',
    });
    expect(h.fake.model.endpointsOf(orders)).toEqual([]);
  });

  it('does nothing and reports nothing when the environment already matches', async () => {
    const vhost = h.fake.model.addEndpoint(orders, { ipWhitelist: ['203.0.113.10/32'] });
    const desired = h.config([database('orders', [endpoint('orders-public', ['203.0.113.10/32'], vhost.externalHost!)])]);
    expect(await applyFile(h.provider(), desired, { allowDestructive: false })).toEqual({ ok: true, outcomes: [] });
    expect(writes()).toEqual([]);
  });
});
