import pg from 'pg';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { Database, Integration } from '../../../src/model/config.js';
import { createCa } from '../../../src/tls/ca.js';
import type { PemPair } from '../../../src/tls/pem.js';
import type { FakeAccount, FakeDatabase } from '../../fakes/aptible/model.js';
import { startTestServer, type TestServer } from '../../helpers/pg-server.js';
import { endpoint, type Harness, plan, startHarness, TOKEN } from './harness.js';
import { applyFile } from '../../../src/plan/apply.js';

/**
 * The aptible provider's accounts: a real PostgreSQL stands in for the Aptible
 * database (`adminUrl` points at it, as an `aptible db:tunnel` would), the
 * fake Deploy API for its endpoints. Aptible names the SQL database `db`,
 * whatever the handle.
 */
const ADMIN_ENV = 'ORDERS_ADMIN_URL';
const PASSWORD = 'metabase-password-5c1e9a';

let server: TestServer;
let ca: PemPair;
let h: Harness;
let production: FakeAccount;
let ordersDatabase: FakeDatabase;

async function admin<T>(use: (client: pg.Client) => Promise<T>, database = 'db'): Promise<T> {
  const client = new pg.Client({ connectionString: server.adminUrl.replace('/postgres?', `/${database}?`) });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  ca = createCa({ commonName: 'dbfence test CA', validityDays: 365 });
  server = await startTestServer('embedded 18', { tls: { ca, hostnames: ['localhost'] } });
  await admin((client) => client.query('CREATE DATABASE db'), 'postgres');
  await admin((client) => client.query(`
    CREATE TABLE public.orders (id int PRIMARY KEY, total numeric);
    CREATE TABLE public.users (id int PRIMARY KEY, email text);
    INSERT INTO public.orders VALUES (1, 10);
    INSERT INTO public.users VALUES (1, 'someone@example.com');
  `));
}, 120_000);
afterAll(async () => server?.stop());

beforeEach(async () => {
  h = await startHarness();
  production = h.fake.model.addEnvironment('production');
  ordersDatabase = h.fake.model.addDatabase(production, 'orders');
  await admin((client) => client.query(`DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'metabase_ro') THEN
      REVOKE ALL ON ALL TABLES IN SCHEMA public FROM metabase_ro; REVOKE ALL ON SCHEMA public FROM metabase_ro;
      REVOKE ALL ON DATABASE db FROM metabase_ro; DROP ROLE metabase_ro;
    END IF; END $$`));
});
afterEach(() => h.fake.close());

const ENV = { [ADMIN_ENV]: '', METABASE_PASSWORD: PASSWORD };
function env(password = PASSWORD): NodeJS.ProcessEnv {
  return { ...ENV, [ADMIN_ENV]: server.adminUrl.replace('/postgres?', '/db?'), METABASE_PASSWORD: password };
}

const metabase: Integration = {
  name: 'metabase', user: 'metabase_ro', endpoint: 'orders-public', access: 'read-only',
  from: ['203.0.113.10/32'],
  grants: [{ table: 'public.orders', privileges: ['SELECT'] }],
  credentials: { password: { fromEnv: 'METABASE_PASSWORD' } },
};

function orders(overrides: Partial<Database> = {}): Database {
  return {
    name: 'orders', engine: 'postgresql', adminUrl: { fromEnv: ADMIN_ENV }, sensitive: ['public.users'],
    endpoints: [endpoint('orders-public', ['203.0.113.10/32'])], integrations: [metabase], ...overrides,
  };
}

function connectAsMetabase(password = PASSWORD): Promise<pg.Client> {
  const client = new pg.Client({
    host: '127.0.0.1', port: server.port, user: 'metabase_ro', password, database: 'db',
    ssl: { ca: ca.certificatePem, servername: 'localhost' },
  });
  client.on('error', () => {});
  return client.connect().then(() => client);
}

describe('aptible accounts (postgresql engine through databases[].adminUrl)', () => {
  it('plans the endpoint and the user with its grants in one plan, applies both, and then plans nothing', async () => {
    const desired = h.config([orders()]);
    const provider = h.provider(desired.databases, { env: env() });

    const changes = await plan(provider, desired);
    expect(changes.map((c) => [c.address, c.action])).toEqual([
      ['aptible.endpoint.orders/orders-public', 'create'],
      ['aptible.database.orders', 'update'],
      ['aptible.accounts.orders.role.metabase_ro', 'create'],
      ['aptible.accounts.orders.grant.metabase_ro.db.database', 'create'],
      ['aptible.accounts.orders.grant.metabase_ro.db.schema.public', 'create'],
      ['aptible.accounts.orders.grant.metabase_ro.db.table.public.orders', 'create'],
    ]);
    expect(changes.find((c) => c.resource === 'role')?.path).toEqual(['databases', 0, 'integrations', 0]);

    // The restart ends every session to the database, as on Aptible: the accounts' steps come after it, on sessions of their own.
    h.fake.beforeAnswer = async (request) => {
      if (request.method !== 'POST' || !request.body.includes('"restart"')) return;
      const admin = new pg.Client({ connectionString: server.adminUrl });
      await admin.connect();
      try {
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'dbfence'`);
      } finally {
        await admin.end();
      }
    };
    const result = await applyFile(provider, desired, { allowDestructive: true });
    expect(h.fake.requests.some((request) => request.body.includes('"restart"'))).toBe(true);
    expect(result.outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied', 'applied']);
    expect(result.ok).toBe(true);
    expect(h.fake.model.endpointsOf(ordersDatabase)).toHaveLength(1);

    const client = await connectAsMetabase();
    try {
      expect((await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows).toEqual([{ ssl: true }]);
      expect((await client.query('SELECT total FROM public.orders')).rows).toEqual([{ total: '10' }]);
      await expect(client.query('INSERT INTO public.orders VALUES (2, 20)')).rejects.toThrow(/permission denied/);
      await expect(client.query('SELECT * FROM public.users')).rejects.toThrow(/permission denied/);
    } finally {
      await client.end();
    }
    expect(await admin(async (c) => (await c.query(`SELECT rolpassword LIKE 'SCRAM-SHA-256$%' AS scram, shobj_description(oid, 'pg_authid') AS comment FROM pg_authid WHERE rolname = 'metabase_ro'`)).rows[0]))
      .toEqual({ scram: true, comment: 'managed by dbfence: integration metabase of database db' });

    expect(await plan(h.provider(desired.databases, { env: env() }), desired)).toEqual([]);
    const output = JSON.stringify([changes, result, h.logs]);
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain('test-admin-password');
  });

  it('rotates the password when the secret changes and takes back a grant added by hand', async () => {
    const desired = h.config([orders({ endpoints: [] })]);
    expect((await applyFile(h.provider(desired.databases, { env: env() }), desired, { allowDestructive: false })).ok).toBe(true);
    await admin((client) => client.query('GRANT INSERT ON public.orders TO metabase_ro'));

    const rotated = env('a-new-password-after-a-leak');
    const provider = h.provider(desired.databases, { env: rotated });
    const changes = await plan(provider, desired);
    expect(changes.map((c) => [c.address, c.action, c.reason])).toEqual([
      ['aptible.accounts.orders.role.metabase_ro', 'update', 'the password secret does not match the stored verifier'],
      ['aptible.accounts.orders.grant.metabase_ro.db.table.public.orders', 'update', 'INSERT on table public.orders is granted but not declared'],
    ]);
    expect((await applyFile(provider, desired, { allowDestructive: false })).ok).toBe(true);
    await expect(connectAsMetabase()).rejects.toThrow(/password authentication failed/);
    const client = await connectAsMetabase('a-new-password-after-a-leak');
    try {
      await expect(client.query('INSERT INTO public.orders VALUES (3, 30)')).rejects.toThrow(/permission denied/);
    } finally {
      await client.end();
    }
    expect(await plan(h.provider(desired.databases, { env: rotated }), desired)).toEqual([]);
  });

  it('refuses to drop a user no integration declares any more unless acknowledged, before changing anything', async () => {
    const desired = h.config([orders({ endpoints: [] })]);
    expect((await applyFile(h.provider(desired.databases, { env: env() }), desired, { allowDestructive: false })).ok).toBe(true);
    const without = h.config([orders({ endpoints: [], integrations: [] })]);
    await expect(applyFile(h.provider(without.databases, { env: env() }), without, { allowDestructive: false }))
      .rejects.toThrow(/^apply refused: 1 change needs acknowledgement: aptible\.accounts\.orders\.role\.metabase_ro \(destructive: /);
    expect(await admin(async (c) => (await c.query(`SELECT count(*)::int AS n FROM pg_roles WHERE rolname = 'metabase_ro'`)).rows[0].n)).toBe(1);
  });

  it('skips the accounts when an endpoint step fails, and the next plan shows both, the next apply converges', async () => {
    const desired = h.config([orders()]);
    h.fake.model.operationOutcome = ({ type }) => (type === 'provision' ? 'fail' : 'succeed');
    const failed = await applyFile(h.provider(desired.databases, { env: env() }), desired, { allowDestructive: true });
    expect(failed.ok).toBe(false);
    expect(failed.outcomes.map((o) => [o.change.address, o.status])).toEqual([
      ['aptible.endpoint.orders/orders-public', 'failed'],
      ['aptible.database.orders', 'skipped'],
      ['aptible.accounts.orders.role.metabase_ro', 'skipped'],
      ['aptible.accounts.orders.grant.metabase_ro.db.database', 'skipped'],
      ['aptible.accounts.orders.grant.metabase_ro.db.schema.public', 'skipped'],
      ['aptible.accounts.orders.grant.metabase_ro.db.table.public.orders', 'skipped'],
    ]);
    const next = await plan(h.provider(desired.databases, { env: env() }), desired);
    expect(next.map((c) => c.address)).toEqual(expect.arrayContaining(['aptible.endpoint.orders/orders-public', 'aptible.accounts.orders.role.metabase_ro']));

    h.fake.model.operationOutcome = () => 'succeed';
    expect((await applyFile(h.provider(desired.databases, { env: env() }), desired, { allowDestructive: true })).ok).toBe(true);
    expect(await plan(h.provider(desired.databases, { env: env() }), desired)).toEqual([]);
  });

  it('says, per integration, that users are not managed on a database without adminUrl', async () => {
    const desired = h.config([orders({ adminUrl: undefined, endpoints: [] }), { name: 'legacy', engine: 'mysql', integrations: [{ ...metabase, name: 'looker', user: 'looker' }] }]);
    h.fake.model.addDatabase(production, 'legacy', { type: 'mysql' });
    const provider = h.provider(desired.databases, { env: env() });
    const live = await provider.inspect([desired]);
    expect(provider.diff(desired, live)).toEqual([]);
    expect(provider.notices(desired, live)).toEqual([
      {
        ruleId: 'accounts-unmanaged', address: 'aptible.accounts.orders.metabase_ro', path: ['databases', 0, 'integrations', 0],
        message: 'integration metabase: user metabase_ro and its grants are not managed, so the plan shows no change for them whatever the database holds: databases[0].adminUrl is not set; give the database\'s admin connection URL to manage them',
      },
      {
        ruleId: 'accounts-unmanaged', address: 'aptible.accounts.legacy.looker', path: ['databases', 1, 'integrations', 0],
        message: 'integration looker: user looker and its grants are not managed, so the plan shows no change for them whatever the database holds: databases[1].adminUrl is not set; give the database\'s admin connection URL to manage them',
      },
    ]);
  });
});
