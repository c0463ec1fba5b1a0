import { afterEach, expect, it } from 'vitest';
import { API_KEY, configFor, errorOf, privateDatabase, publicDatabase, startHarness, type Harness } from './harness.js';
import { applyFile } from '../../../src/plan/apply.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.fake.close();
  harness = undefined;
});

it('never lets the API key reach an error, a log line, a plan or an apply result, even when the API echoes it', async () => {
  harness = await startHarness({ echoKeyInErrors: true, services: [{ name: 'orders' }, { name: 'billing', allowList: [{ ip: '52.20.10.10/32' }] }] }, []);
  const desired = configFor(harness.fake, [publicDatabase('orders', ['52.20.10.10/32']), privateDatabase('billing', ['123456789012'])]);
  const provider = harness.providerFor(desired);
  const seen: string[] = [];

  harness.fake.rateLimit(2, '1');
  harness.fake.makeBusy('orders', 'pending_modifying', 2_000);
  const live = await provider.inspect([desired]);
  seen.push(JSON.stringify(live), JSON.stringify(provider.diff(desired, live)));
  harness.fake.fail({ method: 'PATCH', path: /\/endpoints$/, status: 500, message: `cannot modify endpoint for key ${API_KEY}`, times: 1 });
  const result = await applyFile(provider, desired, { allowDestructive: true });
  expect(result.outcomes.map((o) => o.status)).toEqual(['applied', 'failed']);
  expect(result.outcomes[1]?.error).toContain('cannot modify endpoint for key [redacted]');
  seen.push(JSON.stringify(result));

  const rejected = 'skysql_key_rejected_5d1c0e3b9a7f4e21';
  const other = harness.providerFor(desired, { SKYSQL_API_KEY: rejected });
  const error = await errorOf(() => other.inspect([desired]));
  expect(error.message).toContain('invalid API key: [redacted]');
  seen.push(error.message, ...harness.logs);

  expect(harness.logs.length).toBeGreaterThan(0);
  for (const text of seen) {
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(rejected);
  }
});
