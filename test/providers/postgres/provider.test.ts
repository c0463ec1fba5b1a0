import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointsConfig } from '../../../src/model/config.js';
import type { ApplyResult } from '../../../src/plan/types.js';
import type { PostgresLive } from '../../../src/providers/postgres/index.js';
import { serverKinds, startTestServer, type TestServer } from '../../helpers/pg-server.js';
import {
  ADMIN_ENV, applyOnce, connect, connectAs, enableTls, hbaText, integration, ordersConfig, planOnce, providerFor, seedOrders, withAdmin,
} from './fixtures.js';

describe.each(serverKinds())('postgres provider on a real server (PostgreSQL %s)', (kind) => {
  let server: TestServer;
  let env: Record<string, string>;

  const metabase = (from = ['127.0.0.1/32']) => integration('metabase', 'metabase_ro', { from });
  const fivetran = integration('fivetran', 'fivetran_ro', { grants: [{ table: 'analytics.*', privileges: ['SELECT'] }] });
  const both = ordersConfig([metabase(), fivetran]);

  function statuses(result: ApplyResult): string[] {
    return [...new Set(result.outcomes.map((o) => o.status))];
  }

  async function denied(user: string, password: string, sql: string): Promise<string> {
    const client = await connectAs(server, user, password);
    try {
      await client.query(sql);
      return 'allowed';
    } catch (error) {
      return (error as Error).message;
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    server = await startTestServer(kind);
    await seedOrders(server);
    await enableTls(server);
    await withAdmin(server, async (client) => {
      await client.query("ALTER SYSTEM SET log_statement = 'all'");
      await client.query('SELECT pg_reload_conf()');
    });
    env = { [ADMIN_ENV]: server.adminUrl, METABASE_RO_PASSWORD: 'first secret', FIVETRAN_RO_PASSWORD: 'fivetran secret' };
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('applies from scratch, then a second apply has nothing to do', async () => {
    const first = await applyOnce(both, env);
    expect(first.ok).toBe(true);
    expect(statuses(first)).toEqual(['applied']);
    expect(first.outcomes.length).toBeGreaterThan(10);

    expect((await planOnce(both, env)).changes).toEqual([]);
    expect(await applyOnce(both, env)).toEqual({ outcomes: [], ok: true });
  });

  it('lets a read-only integration SELECT its tables, and nothing more', async () => {
    const client = await connectAs(server, 'metabase_ro', 'first secret');
    expect((await client.query('SELECT count(*)::int AS n FROM public.orders')).rows).toEqual([{ n: 2 }]);
    await client.end();
    expect(await denied('metabase_ro', 'first secret', 'INSERT INTO public.orders VALUES (3, 30)')).toMatch(/permission denied for table orders/);
    expect(await denied('metabase_ro', 'first secret', 'SELECT * FROM public.refunds')).toMatch(/permission denied for table refunds/);
    expect(await denied('metabase_ro', 'first secret', 'SELECT * FROM public.users')).toMatch(/permission denied for table users/);
    expect(await denied('metabase_ro', 'first secret', 'SELECT * FROM analytics.daily')).toMatch(/permission denied for schema analytics/);
    expect(await denied('fivetran_ro', 'fivetran secret', 'SELECT * FROM analytics.weekly')).toBe('allowed');
    expect(await denied('fivetran_ro', 'fivetran secret', 'SELECT * FROM public.orders')).toMatch(/permission denied/);
  });

  it('admits an integration only over TLS, from its sources, to its own database', async () => {
    await expect(connectAs(server, 'metabase_ro', 'first secret', 'postgres')).rejects.toThrow(/pg_hba.conf rejects connection for host "127.0.0.1", user "metabase_ro", database "postgres"/);
    const plain = connect(`postgres://metabase_ro:${encodeURIComponent('first secret')}@127.0.0.1:${server.port}/orders`, { ssl: false });
    await expect(plain).rejects.toThrow(/pg_hba.conf rejects connection for host "127.0.0.1", user "metabase_ro", database "orders", no encryption/);

    const elsewhere = ordersConfig([metabase(['127.0.0.2/32']), fivetran]);
    const moved = await applyOnce(elsewhere, env);
    expect(moved.outcomes.map((o) => [o.change.action, o.change.address, o.status])).toEqual([
      ['create', 'postgres.hba.metabase_ro.127.0.0.2/32', 'applied'],
      ['delete', 'postgres.hba.metabase_ro.127.0.0.1/32', 'applied'],
    ]);
    // On loopback the client's source address is 127.0.0.1, outside 127.0.0.2/32.
    await expect(connectAs(server, 'metabase_ro', 'first secret')).rejects.toThrow(/pg_hba.conf rejects connection for host "127.0.0.1", user "metabase_ro", database "orders", SSL encryption/);
    // Roles dbfence does not manage still connect through the rules below the block.
    await expect(withAdmin(server, async () => 'admitted')).resolves.toBe('admitted');
    expect((await applyOnce(both, env)).ok).toBe(true);
    expect(await hbaText(server)).toContain('hostssl orders metabase_ro 127.0.0.1/32 scram-sha-256');
  });

  it('reports a grant added by hand as drift and revokes it, leaving unmanaged roles alone', async () => {
    await withAdmin(server, (client) => client.query(`
      CREATE ROLE bystander LOGIN;
      GRANT SELECT ON public.users TO bystander;
      GRANT INSERT ON public.orders TO metabase_ro;
      GRANT SELECT ON public.users TO metabase_ro;
      GRANT CREATE ON SCHEMA public TO metabase_ro;
      CREATE ROLE other_admin CREATEROLE;
      GRANT pg_read_all_data TO other_admin WITH ADMIN OPTION;
      SET ROLE other_admin;
      GRANT pg_read_all_data TO metabase_ro;
      RESET ROLE;
    `), 'orders');
    const provider = providerFor(both, env);
    const live = await provider.inspect([both]);
    const drift = provider.diff(both, live);
    await provider.close();
    expect(drift.map((c) => [c.action, c.address])).toEqual([
      ['delete', 'postgres.membership.metabase_ro.pg_read_all_data'],
      ['update', 'postgres.grant.metabase_ro.orders.schema.public'],
      ['update', 'postgres.grant.metabase_ro.orders.table.public.orders'],
      ['delete', 'postgres.grant.metabase_ro.orders.table.public.users'],
    ]);
    expect(JSON.stringify(drift)).not.toContain('bystander');

    expect((await applyOnce(both, env)).ok).toBe(true);
    expect(await denied('metabase_ro', 'first secret', 'SELECT * FROM public.users')).toMatch(/permission denied for table users/);
    expect(await denied('metabase_ro', 'first secret', 'INSERT INTO public.orders VALUES (3, 30)')).toMatch(/permission denied/);
    const bystander = await withAdmin(server, async (client) => (await client.query(
      "SELECT has_table_privilege('bystander', 'public.users', 'SELECT') AS granted",
    )).rows[0], 'orders');
    expect(bystander).toEqual({ granted: true });
    expect((await planOnce(both, env)).changes).toEqual([]);
  });

  it('rotates a password when its secret changes, sending the server only a SCRAM verifier', async () => {
    const rotated = { ...env, METABASE_RO_PASSWORD: 'second secret' };
    const plan = await planOnce(both, rotated);
    expect(plan.changes.map((c) => [c.address, c.reason])).toEqual([
      ['postgres.role.metabase_ro', 'the password secret does not match the stored verifier'],
    ]);
    expect((await applyOnce(both, rotated)).ok).toBe(true);
    await expect(connectAs(server, 'metabase_ro', 'first secret')).rejects.toThrow(/password authentication failed/);
    const client = await connectAs(server, 'metabase_ro', 'second secret');
    await client.end();

    const log = server.log();
    expect(log).toMatch(/ALTER ROLE "metabase_ro" WITH PASSWORD 'SCRAM-SHA-256\$4096:/);
    expect(log).toMatch(/CREATE ROLE "fivetran_ro" WITH LOGIN .* PASSWORD 'SCRAM-SHA-256\$4096:/);
    for (const secret of ['first secret', 'second secret', 'fivetran secret']) expect(log).not.toContain(secret);
    env = rotated;
  });

  it('reads the live state in as many statements for 12 integrations as for 2', async () => {
    const many = ordersConfig(Array.from({ length: 12 }, (_, i) => integration(`tool${i}`, `tool${i}_ro`)));
    const manyEnv = { ...env, ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`TOOL${i}_RO_PASSWORD`, 'x'])) };
    const few = (await planOnce(both, env)).live as PostgresLive;
    const lots = (await planOnce(many, manyEnv)).live as PostgresLive;
    expect(lots.statementCount).toBe(few.statementCount);
    expect(few.statementCount).toBeLessThan(20);
  });

  it('revokes column, sequence, routine and default privileges granted by hand', async () => {
    await withAdmin(server, (client) => client.query(`
      CREATE FUNCTION public.secret_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM public.users';
      REVOKE EXECUTE ON FUNCTION public.secret_count() FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION public.secret_count() TO metabase_ro;
      GRANT SELECT (email) ON public.users TO metabase_ro;
      CREATE SEQUENCE public.order_ids;
      GRANT USAGE ON SEQUENCE public.order_ids TO metabase_ro;
      ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO metabase_ro;
    `), 'orders');
    const drift = (await planOnce(both, env)).changes;
    expect(drift.map((c) => [c.action, c.address])).toEqual([
      ['delete', 'postgres.grant.metabase_ro.orders.sequence.public.order_ids'],
      ['delete', 'postgres.grant.metabase_ro.orders.default-acl.for role postgres in schema public on tables'],
      ['delete', 'postgres.grant.metabase_ro.orders.function.public.secret_count()'],
      ['delete', 'postgres.grant.metabase_ro.orders.table-column.public.users.email'],
    ]);
    expect((await applyOnce(both, env)).ok).toBe(true);
    expect((await planOnce(both, env)).changes).toEqual([]);
    await withAdmin(server, (client) => client.query('CREATE TABLE public.later (id int)'), 'orders');
    expect(await denied('metabase_ro', env.METABASE_RO_PASSWORD!, 'SELECT email FROM public.users')).toMatch(/permission denied/);
    expect(await denied('metabase_ro', env.METABASE_RO_PASSWORD!, 'SELECT public.secret_count()')).toMatch(/permission denied/);
    expect(await denied('metabase_ro', env.METABASE_RO_PASSWORD!, 'SELECT * FROM public.later')).toMatch(/permission denied/);
  });

  it('drops a role removed from the file only when acknowledged, cleaning up after it', async () => {
    await withAdmin(server, (client) => client.query('ALTER TABLE analytics.weekly OWNER TO fivetran_ro'), 'orders');
    const session = await connectAs(server, 'fivetran_ro', 'fivetran secret');
    const ended = new Promise((resolve) => session.once('error', resolve));
    const without = ordersConfig([metabase()]);

    await expect(applyOnce(without, env)).rejects.toThrow(
      /^apply refused: 1 change needs acknowledgement: postgres\.role\.fivetran_ro \(destructive: /);
    expect((await planOnce(without, env)).changes.map((c) => c.address)).toContain('postgres.role.fivetran_ro');

    const dropped = await applyOnce(without, env, true);
    expect(dropped.ok).toBe(true);
    await ended;
    const after = await withAdmin(server, async (client) => (await client.query(`
      SELECT (SELECT count(*)::int FROM pg_roles WHERE rolname = 'fivetran_ro') AS roles,
             (SELECT tableowner::text FROM pg_tables WHERE schemaname = 'analytics' AND tablename = 'weekly') AS owner`)).rows[0], 'orders');
    expect(after).toEqual({ roles: 0, owner: 'postgres' });
    expect(await hbaText(server)).not.toContain('fivetran_ro');
    expect((await planOnce(without, env)).changes).toEqual([]);
  });

  it('works across databases: grants in each, and a drop that cleans every database first', async () => {
    await withAdmin(server, (client) => client.query('CREATE DATABASE billing'));
    await withAdmin(server, (client) => client.query('CREATE TABLE public.invoices (id int); INSERT INTO public.invoices VALUES (7)'), 'billing');
    const twoDatabases = (withLedger: boolean): EndpointsConfig => {
      const config = ordersConfig([metabase()]);
      config.databases.push({
        name: 'billing', engine: 'postgresql',
        integrations: withLedger ? [integration('ledger', 'ledger_ro', { endpoint: 'billing', grants: [{ table: 'public.invoices', privileges: ['SELECT'] }] })] : [],
      });
      return config;
    };
    const ledgerEnv = { ...env, LEDGER_RO_PASSWORD: 'ledger secret' };
    expect((await applyOnce(twoDatabases(true), ledgerEnv)).ok).toBe(true);
    const ledger = await connectAs(server, 'ledger_ro', 'ledger secret', 'billing');
    expect((await ledger.query('SELECT id FROM public.invoices')).rows).toEqual([{ id: 7 }]);
    await ledger.end();
    await expect(connectAs(server, 'metabase_ro', env.METABASE_RO_PASSWORD!, 'billing')).rejects.toThrow(/pg_hba.conf rejects connection/);

    // A grant in a database the role was never declared for is drift too.
    await withAdmin(server, (client) => client.query('GRANT SELECT ON public.invoices TO metabase_ro'), 'billing');
    const result = await applyOnce(twoDatabases(false), ledgerEnv, true);
    expect(result.outcomes.map((o) => [o.change.action, o.change.address, o.status])).toEqual([
      ['delete', 'postgres.grant.metabase_ro.billing.table.public.invoices', 'applied'],
      ['delete', 'postgres.hba.ledger_ro.127.0.0.1/32', 'applied'],
      ['delete', 'postgres.hba.ledger_ro.reject', 'applied'],
      ['delete', 'postgres.role.ledger_ro', 'applied'],
    ]);
    expect((await planOnce(twoDatabases(false), ledgerEnv)).changes).toEqual([]);
    const roles = await withAdmin(server, async (client) => (await client.query("SELECT count(*)::int AS n FROM pg_roles WHERE rolname = 'ledger_ro'")).rows[0]);
    expect(roles).toEqual({ n: 0 });
  });
});
