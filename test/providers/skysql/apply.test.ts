import { afterEach, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import { API_KEY, configFor, errorOf, privateDatabase, publicDatabase, startHarness, type Harness } from './harness.js';
import { applyFile } from '../../../src/plan/apply.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.fake.close();
  harness = undefined;
});

const SERVICES = '/provisioning/v1/services';

function mutations(h: Harness): string[] {
  const ids = new Map(['orders', 'billing'].flatMap((name) => {
    try {
      return [[h.fake.service(name).id, name] as const];
    } catch {
      return [];
    }
  }));
  return h.fake.mutations().map((r) => `${r.method} ${r.path.replace(/db\w+/, (id) => ids.get(id) ?? id)}`);
}

describe('skysql apply', () => {
  it('replaces the allowlist with one PUT of the full list, waits for ready, and is idempotent', async () => {
    harness = await startHarness({ services: [{ name: 'orders', allowList: [{ ip: '198.51.100.0/24', comment: 'old vpn' }] }] }, []);
    const desired = configFor(harness.fake, [publicDatabase('orders', [
      { cidr: '52.20.10.10/32', description: 'Metabase' },
      { cidr: '34.90.0.0/28', description: 'Fivetran' },
    ])]);
    const provider = harness.providerFor(desired);
    const result = await applyFile(provider, desired, { allowDestructive: false });
    expect(result.ok).toBe(true);
    expect(result.outcomes.map((o) => [o.change.address, o.status])).toEqual([['skysql.allowlist.orders/orders-public', 'applied']]);
    expect(mutations(harness)).toEqual([`PUT ${SERVICES}/orders/security/allowlist`]);
    expect(harness.fake.mutations()[0]?.body).toEqual([
      { ip: '52.20.10.10/32', comment: 'Metabase' },
      { ip: '34.90.0.0/28', comment: 'Fivetran' },
    ]);
    expect(harness.fake.service('orders')).toMatchObject({ status: 'ready' });
    expect(harness.logs).toContain('skysql: waiting for orders to be ready (pending_modifying)');

    const again = await applyFile(provider, desired, { allowDestructive: false });
    expect(again).toEqual({ outcomes: [], ok: true });
    expect(harness.fake.mutations()).toHaveLength(1);
  });

  it('refuses a switch to private without allowDestructive, and sends nothing', async () => {
    harness = await startHarness({ services: [{ name: 'orders', allowList: [{ ip: '52.20.10.10/32' }] }] }, []);
    const desired = configFor(harness.fake, [privateDatabase('orders', ['123456789012'])]);
    const error = await errorOf(() => applyFile(harness!.providerFor(desired), desired, { allowDestructive: false }));
    expect(error).toBeInstanceOf(ToolError);
    expect(error.message).toMatch(/^apply refused: 1 change needs acknowledgement: skysql\.endpoint\.orders\/orders-private \(destructive: switches orders from public \(nlb\) to private connect/);
    expect(harness.fake.mutations()).toEqual([]);
  });

  it('switches nlb → privateconnect when allowed: one PATCH, and the allowlist is gone after', async () => {
    harness = await startHarness({ services: [{ name: 'orders', allowList: [{ ip: '52.20.10.10/32' }] }] }, []);
    const desired = configFor(harness.fake, [privateDatabase('orders', ['123456789012', '210987654321'])]);
    const provider = harness.providerFor(desired);
    const result = await applyFile(provider, desired, { allowDestructive: true });
    expect(result.ok).toBe(true);
    expect(mutations(harness)).toEqual([`PATCH ${SERVICES}/orders/endpoints`]);
    expect(harness.fake.mutations()[0]?.body).toEqual([{ mechanism: 'privateconnect', allowed_accounts: ['123456789012', '210987654321'], visibility: 'private' }]);
    const live = await provider.inspect([desired]);
    expect(live.services[0]).toMatchObject({ status: 'ready', endpoint: { mechanism: 'privateconnect', allowlist: [], allowedAccounts: ['123456789012', '210987654321'] } });
    expect(harness.fake.service('orders').endpointService).toMatch(/^com\.amazonaws\.vpce\./);
    expect(harness.logs).toContain('skysql: waiting for orders to be ready (pending_upgrade)');
  });

  it('switches privateconnect → nlb, then sets the allowlist the new endpoint starts without', async () => {
    harness = await startHarness({ services: [{ name: 'orders', mechanism: 'privateconnect', allowedAccounts: ['123456789012'] }] }, []);
    const desired = configFor(harness.fake, [publicDatabase('orders', ['52.20.10.10/32'])]);
    const provider = harness.providerFor(desired);
    const result = await applyFile(provider, desired, { allowDestructive: true });
    expect(result.outcomes.map((o) => [o.change.resource, o.status])).toEqual([['endpoint', 'applied'], ['allowlist', 'applied']]);
    expect(mutations(harness)).toEqual([`PATCH ${SERVICES}/orders/endpoints`, `PUT ${SERVICES}/orders/security/allowlist`]);
    expect(harness.fake.mutations()[0]?.body).toEqual([{ mechanism: 'nlb', visibility: 'public' }]);
    expect(harness.fake.service('orders')).toMatchObject({ mechanism: 'nlb', allowedAccounts: [], allowList: [{ ip: '52.20.10.10/32', comment: '' }] });
    expect(provider.diff(desired, await provider.inspect([desired]))).toEqual([]);
  });

  it.each([400, 409] as const)('retries a service busy with an earlier change (%i while pending) until it takes the change', async (busyStatus) => {
    harness = await startHarness({ busyStatus, services: [{ name: 'orders' }] }, []);
    harness.fake.makeBusy('orders', 'pending_scale', 3_500);
    const desired = configFor(harness.fake, [publicDatabase('orders', ['52.20.10.10/32'])]);
    const result = await applyFile(harness.providerFor(desired), desired, { allowDestructive: false });
    expect(result.ok).toBe(true);
    const puts = harness.fake.mutations();
    expect(puts.length).toBeGreaterThan(1);
    expect(puts.every((r) => r.method === 'PUT')).toBe(true);
    expect(harness.logs).toContain(`skysql: the service is busy with an earlier change; retrying PUT ${SERVICES}/${harness.fake.service('orders').id}/security/allowlist in 1s`);
  });

  it('gives up on a service that stays busy past the bound', async () => {
    harness = await startHarness({ services: [{ name: 'orders' }] }, []);
    harness.fake.makeBusy('orders', 'pending_modifying', Infinity);
    const desired = configFor(harness.fake, [publicDatabase('orders', ['52.20.10.10/32'])]);
    const result = await applyFile(harness.providerFor(desired), desired, { allowDestructive: false });
    expect(result.ok).toBe(false);
    expect(result.outcomes[0]?.status).toBe('failed');
    expect(result.outcomes[0]?.error).toMatch(/^SkySQL PUT \/provisioning\/v1\/services\/db\w+\/security\/allowlist: the service stayed busy with an earlier change for 30s \(400 Bad Request: service modification not allowed while service is in a pending state\); try again once it is ready$/);
  });

  it('reports a service stuck pending after the change as a clear failure, and skips the rest', async () => {
    harness = await startHarness({ switchPendingMs: Infinity, services: [{ name: 'orders', mechanism: 'privateconnect', allowedAccounts: ['123456789012'] }] }, []);
    const desired = configFor(harness.fake, [publicDatabase('orders', ['52.20.10.10/32'])]);
    const result = await applyFile(harness.providerFor(desired), desired, { allowDestructive: true });
    expect(result.ok).toBe(false);
    expect(result.outcomes.map((o) => o.status)).toEqual(['failed', 'skipped']);
    expect(result.outcomes[0]?.error).toMatch(/^SkySQL service orders \(db\w+\) is still pending_upgrade after 1m: the change was sent but did not settle within 1m; check the service in the SkySQL portal$/);
    expect(mutations(harness)).toEqual([`PATCH ${SERVICES}/orders/endpoints`]);
  });

  it('stops at the first failing operation and reports the rest skipped', async () => {
    harness = await startHarness({ services: [{ name: 'orders' }, { name: 'billing' }] }, []);
    harness.fake.fail({ method: 'PUT', path: /\/security\/allowlist$/, status: 500, message: 'internal error while updating the firewall', times: 1 });
    const desired = configFor(harness.fake, [publicDatabase('orders', ['52.20.10.10/32']), publicDatabase('billing', ['52.20.10.11/32'])]);
    const result = await applyFile(harness.providerFor(desired), desired, { allowDestructive: false });
    expect(result.ok).toBe(false);
    expect(result.outcomes.map((o) => [o.change.address, o.status])).toEqual([
      ['skysql.allowlist.orders/orders-public', 'failed'],
      ['skysql.allowlist.billing/billing-public', 'skipped'],
    ]);
    expect(result.outcomes[0]?.error).toMatch(/^SkySQL PUT \/provisioning\/v1\/services\/db\w+\/security\/allowlist failed: 500 Internal Server Error: internal error while updating the firewall$/);
    expect(mutations(harness)).toEqual([`PUT ${SERVICES}/orders/security/allowlist`]);
  });

  it('retries a 429 storm honouring Retry-After, then succeeds', async () => {
    harness = await startHarness({ services: [{ name: 'orders' }] }, []);
    harness.fake.rateLimit(3, '2');
    const desired = configFor(harness.fake, [publicDatabase('orders', ['52.20.10.10/32'])]);
    const result = await applyFile(harness.providerFor(desired), desired, { allowDestructive: false });
    expect(result.ok).toBe(true);
    expect(harness.sleeps.slice(0, 3)).toEqual([2_000, 2_000, 2_000]);
    expect(harness.logs[0]).toBe(`skysql: 429 Too Many Requests (rate limit exceeded) on GET ${SERVICES}; retry 1 of 3 in 2s`);
  });

  it('backs off without Retry-After, and fails clearly once the storm outlasts the bound', async () => {
    harness = await startHarness({ services: [{ name: 'orders' }] }, []);
    harness.fake.rateLimit(10);
    const desired = configFor(harness.fake, [publicDatabase('orders', ['52.20.10.10/32'])]);
    const error = await errorOf(() => applyFile(harness!.providerFor(desired), desired, { allowDestructive: false }));
    expect(error).toBeInstanceOf(ToolError);
    expect(error.message).toBe(`SkySQL GET ${SERVICES}: 429 Too Many Requests (rate limit exceeded), still after 3 retries`);
    expect(harness.sleeps).toEqual([500, 1_000, 2_000]);
    expect(harness.fake.mutations()).toEqual([]);
  });

  it('fails at once when Retry-After asks for longer than the bound', async () => {
    harness = await startHarness({ services: [{ name: 'orders' }] }, []);
    harness.fake.rateLimit(1, '3600');
    const desired = configFor(harness.fake, [publicDatabase('orders', [])]);
    await expect(harness.providerFor(desired).inspect([desired])).rejects.toThrow(
      `SkySQL GET ${SERVICES}: 429 Too Many Requests (rate limit exceeded), and the API asks to wait 60m, longer than the 10s dbfence waits`,
    );
  });

  it('turns a rejected key into a ToolError naming where the key came from', async () => {
    harness = await startHarness({ services: [{ name: 'orders' }] }, []);
    const desired = configFor(harness.fake, [publicDatabase('orders', ['52.20.10.10/32'])]);
    const provider = harness.providerFor(desired, { SKYSQL_API_KEY: 'skysql_key_revoked_0000000000000000' });
    const error = await errorOf(() => applyFile(provider, desired, { allowDestructive: false }));
    expect(error).toBeInstanceOf(ToolError);
    expect(error.message).toBe(`SkySQL rejected the API key from the environment variable SKYSQL_API_KEY (401 Unauthorized on GET ${SERVICES}): invalid or missing API key; check that the key is valid and not expired`);
    expect(harness.fake.requests).toHaveLength(1);
  });

  it('turns a missing key into a ToolError before any request', async () => {
    harness = await startHarness({ services: [{ name: 'orders' }] }, []);
    const desired = configFor(harness.fake, [publicDatabase('orders', [])]);
    await expect(harness.providerFor(desired, {}).inspect([desired])).rejects.toThrow('provider.apiKey: the environment variable SKYSQL_API_KEY is not set');
    expect(harness.fake.requests).toEqual([]);
  });

  it('sends the key as X-API-Key on every request', async () => {
    harness = await startHarness({ services: [{ name: 'orders' }] }, []);
    const desired = configFor(harness.fake, [publicDatabase('orders', ['52.20.10.10/32'])]);
    await applyFile(harness.providerFor(desired), desired, { allowDestructive: false });
    expect(harness.fake.requests.length).toBeGreaterThan(2);
    expect(harness.fake.requests.every((r) => r.apiKey === API_KEY)).toBe(true);
  });
});
