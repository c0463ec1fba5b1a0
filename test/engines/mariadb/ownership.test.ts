import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariadbDesiredState } from '../../../src/engines/mariadb/index.js';
import { startMariadbServer, type MariadbTestServer } from '../../helpers/mariadb-server.js';
import { type EngineHarness, engineFor, integration, ordersFile } from './fixtures.js';

describe('mariadb accounts across files, and what the plan points out', () => {
  let server: MariadbTestServer;
  let harness: EngineHarness;

  beforeAll(async () => {
    server = await startMariadbServer();
    await server.sql('CREATE DATABASE orders');
    await server.sql('CREATE TABLE orders.line_items (id INT PRIMARY KEY)');
    harness = engineFor(server, { P: 'secret' });
  }, 60_000);
  afterAll(async () => { await server?.stop(); });

  it('keeps each owner\'s accounts to its file, and a file that sets provider.owner takes over its unowned ones', async () => {
    const unowned = ordersFile([integration('a', 'a_ro', 'P')]);
    expect((await harness.apply(unowned)).ok).toBe(true);
    const teamA = ordersFile([integration('a', 'a_ro', 'P')], { owner: 'team-a' });
    expect(await harness.plan(teamA)).toEqual(['update mariadb.account.a_ro@127.0.0.1']);
    expect((await harness.apply(teamA)).ok).toBe(true);
    expect(await server.sql('SELECT user, owner FROM dbfence.accounts')).toEqual([{ user: 'a_ro', owner: 'team-a' }]);
    // Another owner's file neither drops nor claims team-a's user.
    const teamB = ordersFile([integration('b', 'b_ro', 'P')], { owner: 'team-b' });
    expect(await harness.plan(teamB)).toEqual(['create mariadb.account.b_ro@127.0.0.1', 'create mariadb.grant.b_ro@127.0.0.1.orders.line_items']);
    const claiming = ordersFile([integration('a', 'a_ro', 'P')], { owner: 'team-b' });
    await expect(harness.plan(claiming)).rejects.toThrow(/user a_ro belongs to the file with provider.owner team-a/);
    // Its own user, once undeclared, is dropped: a destructive change that needs acknowledgement.
    const empty = ordersFile([], { owner: 'team-a' });
    await expect(harness.apply(empty)).rejects.toThrow(/apply refused: 1 change needs acknowledgement/);
    expect((await harness.apply(empty, true)).ok).toBe(true);
    expect(await server.sql("SELECT User FROM mysql.user WHERE User = 'a_ro'")).toEqual([]);
  });

  it('points out the anonymous account and PUBLIC grants', async () => {
    await server.sql("CREATE USER ''@'localhost'");
    await server.sql('GRANT SELECT ON orders.* TO PUBLIC');
    const state = mariadbDesiredState(ordersFile([]));
    const live = await harness.engine.inspect([state]);
    expect(harness.engine.notices(state, live).map((n) => n.address)).toEqual(['mariadb.anonymous.localhost', 'mariadb.public.orders.*']);
  });
});
