import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeAccount, FakeDatabase } from '../../fakes/aptible/model.js';
import { database, endpoint, type Harness, startHarness, TOKEN } from './harness.js';
import { applyFile } from '../../../src/plan/apply.js';

let h: Harness;
let production: FakeAccount;
let orders: FakeDatabase;

beforeEach(async () => {
  h = await startHarness({ echoTokenInErrors: true });
  production = h.fake.model.addEnvironment('production', '-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n');
  orders = h.fake.model.addDatabase(production, 'orders');
});
afterEach(() => h.fake.close());

/** Runs a promise and returns what a user would see of it: its value as JSON, or its error message. */
async function shown(work: Promise<unknown>): Promise<string> {
  try {
    return JSON.stringify(await work);
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

describe('aptible secrets', () => {
  it('never shows the token in a plan, an apply result, an error or a log line, even from a server that echoes it', async () => {
    h.fake.model.addEndpoint(orders, { ipWhitelist: ['0.0.0.0/0'] });
    const provider = h.provider();
    const desired = h.config([database('orders', [endpoint('orders-public', ['203.0.113.10/32'])])]);
    const outputs: string[] = [];

    const live = await provider.inspect([desired]);
    outputs.push(JSON.stringify(live), JSON.stringify(provider.diff(desired, live)), JSON.stringify(provider.notices(desired, live)));
    outputs.push(await shown(applyFile(provider, desired, { allowDestructive: false })));
    h.fake.model.operationOutcome = ({ type }) => (type === 'restart' ? 'hang' : 'succeed');
    outputs.push(await shown(applyFile(provider, desired, { allowDestructive: true })));
    h.fake.model.operationOutcome = () => 'fail';
    outputs.push(await shown(applyFile(provider, h.config([database('orders', [endpoint('orders-public', ['198.51.100.0/24'])])]), { allowDestructive: true })));
    outputs.push(await shown(applyFile(provider, h.config([database('orders', [endpoint('orders-public', ['2001:db8::/32'])])]), { allowDestructive: true })));
    outputs.push(await shown(provider.caCertificate()));
    h.fake.throttle(100);
    outputs.push(await shown(provider.inspect([desired])));
    outputs.push(await shown(h.provider([], { token: `${TOKEN}-revoked` }).inspect([desired])));
    outputs.push(...h.logs);

    expect(outputs.join('\n')).toContain('request authorized with Bearer ***');
    for (const output of outputs) expect(output).not.toContain(TOKEN);
  });

  it('sends the token only in the Authorization header, and never asks for sensitive values', async () => {
    h.fake.model.addEndpoint(orders, { ipWhitelist: ['203.0.113.10/32'] });
    const provider = h.provider();
    const desired = h.config([database('orders', [endpoint('orders-public', ['198.51.100.0/24'])])]);

    const live = await provider.inspect([desired]);
    await applyFile(provider, desired, { allowDestructive: true });

    expect(h.fake.requests.length).toBeGreaterThan(5);
    for (const request of h.fake.requests) {
      const { authorization, ...otherHeaders } = request.headers;
      expect(authorization).toBe(`Bearer ${TOKEN}`);
      expect(JSON.stringify([request.path, request.query, request.body, otherHeaders])).not.toContain(TOKEN);
      expect(request.headers.prefer).toBe('no_sensitive_extras=true');
    }
    expect(JSON.stringify(live)).not.toContain('fake-db-password');
  });
});
