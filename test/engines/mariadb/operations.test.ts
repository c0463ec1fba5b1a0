import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariadbDesiredState } from '../../../src/engines/mariadb/index.js';
import { startMariadbServer, type MariadbTestServer } from '../../helpers/mariadb-server.js';
import { type EngineHarness, engineFor, integration, ordersFile } from './fixtures.js';

describe('the mariadb engine\'s operations: what a plan shows and saves of what apply will do', () => {
  let server: MariadbTestServer;
  let harness: EngineHarness;
  const SECRET = 'operations-test-secret-5d1';
  const file = ordersFile([integration('metabase', 'metabase_ro', 'METABASE_PASSWORD')]);
  const changes = async () => {
    const state = mariadbDesiredState(file);
    return harness.engine.changes(state, await harness.engine.inspect([state]));
  };

  beforeAll(async () => {
    server = await startMariadbServer();
    await server.sql('CREATE DATABASE orders');
    await server.sql('CREATE TABLE orders.line_items (id INT PRIMARY KEY)');
    harness = engineFor(server, { METABASE_PASSWORD: SECRET });
  }, 60_000);
  afterAll(async () => { await server?.stop(); });

  it('references the password secret, never its value or a hash of it, and plans the same operations twice', async () => {
    const planned = await changes();
    expect(planned.map((change) => change.operation.kind)).toEqual(['create-account', 'grant']);
    expect(planned[0]!.operation).toMatchObject({
      kind: 'create-account', unlock: true,
      claim: { user: 'metabase_ro', host: '127.0.0.1', integration: 'metabase', database: 'orders', owner: null },
      auth: { password: { ref: { fromEnv: 'METABASE_PASSWORD' }, path: ['databases', 0, 'integrations', 0, 'credentials', 'password'] } },
    });
    const json = JSON.stringify(planned);
    expect(json).not.toContain(SECRET);
    // Neither a native hash (`*` and 40 hex digits) nor any other computed string.
    expect(json).not.toMatch(/\*[0-9A-F]{40}|IDENTIFIED/);
    // A saved plan is compared with the one apply makes: the same live state gives the same operations.
    expect(JSON.stringify(await changes())).toBe(json);
  });

  it('a rotated secret is an update whose operation still holds only the reference', async () => {
    expect((await harness.apply(file)).ok).toBe(true);
    harness.env.METABASE_PASSWORD = `${SECRET}-rotated`;
    const planned = await changes();
    expect(planned.map((change) => [change.action, change.address])).toEqual([['update', 'mariadb.account.metabase_ro@127.0.0.1']]);
    expect(planned[0]!.operation).toMatchObject({ kind: 'alter-account', auth: { password: { ref: { fromEnv: 'METABASE_PASSWORD' } } } });
    expect(JSON.stringify(planned)).not.toContain(SECRET);
    expect((await harness.apply(file)).ok).toBe(true);
    expect(await changes()).toEqual([]);
  });
});
