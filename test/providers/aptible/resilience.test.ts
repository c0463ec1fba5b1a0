import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import { AptibleClient } from '../../../src/edges/aptible/http.js';
import type { FakeAccount } from '../../fakes/aptible/model.js';
import { database, endpoint, FAST_TIMINGS, type Harness, plan, startHarness, TOKEN } from './harness.js';
import { applyFile } from '../../../src/plan/apply.js';

let h: Harness;
let production: FakeAccount;

beforeEach(async () => {
  h = await startHarness();
  production = h.fake.model.addEnvironment('production');
  h.fake.model.addEndpoint(h.fake.model.addDatabase(production, 'orders'), { ipWhitelist: ['203.0.113.10/32'] });
});
afterEach(() => h.fake.close());

const desired = () => h.config([database('orders', [endpoint('orders-public', ['203.0.113.10/32'])])]);

describe('aptible provider under a failing API', () => {
  it('waits out a 429 storm as long as Retry-After says, then succeeds', async () => {
    h.fake.throttle(3, '2');
    expect(await plan(h.provider(), desired())).toEqual([]);
    expect(h.sleeps).toEqual([2_000, 2_000, 2_000]);
    expect(h.logs[0]).toBe('Aptible API: GET /accounts rate limited (429); trying again in 2s (attempt 2 of 4)');
  });

  it('backs off exponentially when a 429 carries no Retry-After', async () => {
    h.fake.throttle(3, null);
    await plan(h.provider(), desired());
    expect(h.sleeps).toEqual([1, 2, 4]);
  });

  it('stops with a clear error when the storm outlasts the retries', async () => {
    h.fake.throttle(100);
    const error = await plan(h.provider(), desired()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as Error).message).toBe('Aptible API: GET /accounts still rate limited (429) after 4 attempts');
    expect(h.fake.requests).toHaveLength(4);
  });

  it('stops rather than stall when Retry-After asks for longer than it waits', async () => {
    h.fake.throttle(1, '3600');
    await expect(plan(h.provider(), desired())).rejects.toThrow(
      'Aptible API: GET /accounts rate limited (429); the API asks to wait 60m, longer than dbfence waits (5s)',
    );
    expect(h.sleeps).toEqual([]);
  });

  it('retries a server error on a read, but never repeats a create the API may have carried out', async () => {
    h.fake.serverErrors(2, ['GET']);
    expect(await plan(h.provider(), desired())).toEqual([]);

    h.fake.serverErrors(1, ['POST']);
    const result = await applyFile(h.provider(), h.config([database('orders', [
      endpoint('orders-public', ['203.0.113.10/32']),
      endpoint('orders-extra', ['198.51.100.0/24']),
    ])]), { allowDestructive: true });

    expect(result.outcomes.map((o) => o.status)).toEqual(['failed', 'skipped']);
    expect(result.outcomes[0]!.error).toMatch(/^Aptible API: POST \/services\/\d+\/vhosts failed with 503: service_unavailable/);
    expect(h.fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('retries a create that was rate limited: the API did not act on it', async () => {
    h.fake.throttle(2, '0', ['POST']);
    const wanted = h.config([database('orders', [endpoint('orders-public', ['203.0.113.10/32']), endpoint('orders-extra', ['198.51.100.0/24'])])]);
    const result = await applyFile(h.provider(), wanted, { allowDestructive: true });
    expect(result.ok).toBe(true);
    expect(h.fake.model.vhosts.size).toBe(2);
    expect(h.fake.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([429, 429, 201, 201, 201]);
  });

  it('turns a rejected token into one clear ToolError that names where the token comes from', async () => {
    const error = await plan(h.provider([], { token: 'expired-token-0000' }), desired()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as Error).message).toBe(
      'Aptible rejected the token from the environment variable APTIBLE_ACCESS_TOKEN (401 on GET /accounts): it is invalid or expired; make a new one with `aptible login`',
    );
    expect(h.fake.requests).toHaveLength(1);
  });

  it('names the missing variable when the token is not set', async () => {
    const provider = h.provider([], { token: '' });
    await expect(plan(provider, desired())).rejects.toThrow('the Aptible token (provider.token): the environment variable APTIBLE_ACCESS_TOKEN is not set');
    expect(h.fake.requests).toEqual([]);
  });

  it('reports an API it cannot reach in one line', async () => {
    await h.fake.close();
    await expect(plan(h.provider(), desired())).rejects.toThrow(
      new RegExp(`^Aptible API: GET /accounts failed: cannot reach ${h.fake.url.replace(/[.]/g, '\\.')} \\(ECONNREFUSED\\) \\(4 attempts\\)$`),
    );
    await h.fake.start();
  });
});

describe('aptible HTTP client', () => {
  it('never sends the token to a link outside the API', async () => {
    const client = new AptibleClient({
      apiUrl: h.fake.url, token: () => TOKEN, tokenSource: 'test', userAgent: 'test',
      timings: FAST_TIMINGS, sleep: async () => {}, now: () => new Date(), log: () => {},
    });
    await expect(client.get('https://attacker.example/accounts')).rejects.toThrow(
      `Aptible API: a link points to https://attacker.example, outside ${h.fake.url}; refusing to send the credential there`,
    );
    expect(h.fake.requests).toEqual([]);
  });
});
