import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { applyFile } from '../../../src/plan/apply.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { createConnection } from 'mariadb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database, Integration } from '../../../src/model/config.js';
import { createCa } from '../../../src/tls/ca.js';
import { mariadbMissing, startMariadbServer, type MariadbTestServer } from '../../helpers/mariadb-server.js';
import { API_KEY, configFor, type Harness, startHarness } from './harness.js';

/**
 * The skysql provider's accounts: the fake SkySQL API is the edge, and a
 * private MariaDB stands in for the service (`databases[].adminUrl` points at
 * it, as the service's admin credentials would). A real service's certificate
 * chains to a public CA in the system trust store; this one's test CA is
 * added by the URL's `ssl-ca`, verification and host name check included.
 */
const ADMIN_ENV = 'ORDERS_ADMIN_URL';
const PASSWORD = 'metabase-password-3b8d1f';
const missing = mariadbMissing();
if (missing) console.info(`skysql accounts tests skipped: ${missing}`);

const ca = createCa({ commonName: 'dbfence SkySQL stand-in CA', validityDays: 30 });
/** Node checks an IP address against `host`: it cannot be a server name. */
const verifiedTls: ConnectionOptions = { ca: ca.certificatePem, host: '127.0.0.1' };
let server: MariadbTestServer;
let folder: string;
let caFile: string;
let h: Harness;

beforeAll(async () => {
  if (missing) return;
  folder = mkdtempSync(join(tmpdir(), 'dbfence-skysql-accounts-'));
  caFile = join(folder, 'stand-in-ca.pem');
  writeFileSync(caFile, ca.certificatePem);
  server = await startMariadbServer({ tls: { ca, hostnames: ['127.0.0.1'] } });
  await server.sql('CREATE DATABASE orders');
  await server.sql('CREATE TABLE orders.line_items (id int PRIMARY KEY, total decimal(10, 2))');
  await server.sql('CREATE TABLE orders.customers (id int PRIMARY KEY, email text)');
  await server.sql('INSERT INTO orders.line_items VALUES (1, 10)');
}, 120_000);
afterAll(async () => {
  await server?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

beforeEach(async () => {
  if (missing) return;
  h = await startHarness({ services: [{ name: 'orders', allowList: [{ ip: '127.0.0.1/32', comment: '' }] }] }, []);
});
afterEach(async () => {
  await h?.fake.close();
  if (missing) return;
  for (const row of await server.sql<{ user: string; host: string }>("SELECT User AS user, Host AS host FROM mysql.user WHERE User = 'metabase'")) {
    await server.sql(`DROP USER '${row.user}'@'${row.host}'`);
  }
  await server.sql('DROP DATABASE IF EXISTS dbfence');
});

const metabase: Integration = {
  name: 'metabase', user: 'metabase', endpoint: 'orders-public', access: 'read-only',
  from: ['127.0.0.1/32'],
  grants: [{ table: 'orders.line_items', privileges: ['SELECT'] }],
  credentials: { password: { fromEnv: 'METABASE_PASSWORD' } },
};

function orders(overrides: Partial<Database> = {}): Database {
  return {
    name: 'orders', engine: 'mariadb', adminUrl: { fromEnv: ADMIN_ENV }, sensitive: ['orders.customers'],
    endpoints: [{ name: 'orders-public', exposure: 'public', allow: [{ cidr: '127.0.0.1/32' }] }],
    integrations: [metabase], ...overrides,
  };
}

/** The service's admin credentials; `trusting` adds the stand-in's CA to the system trust store. */
function env(trusting = true): NodeJS.ProcessEnv {
  const url = trusting ? `${server.adminUrl}?ssl-ca=${encodeURIComponent(caFile)}` : server.adminUrl;
  return { SKYSQL_API_KEY: API_KEY, [ADMIN_ENV]: url, METABASE_PASSWORD: PASSWORD };
}

describe.skipIf(missing)('skysql accounts (the mariadb engine through databases[].adminUrl)', () => {
  it('plans the users and grants next to the allowlist, applies them, and then plans nothing', async () => {
    const desired = configFor(h.fake, [orders()]);
    const provider = h.providerFor(desired, env());
    const changes = provider.diff(desired, await provider.inspect([desired]));
    // The allowlist is as declared already: the plan is the user's account and its grant, under the service.
    expect(changes.map((change) => [change.address, change.action])).toEqual([
      ['skysql.accounts.orders.account.metabase@%', 'create'],
      ['skysql.accounts.orders.grant.metabase@%.orders.line_items', 'create'],
    ]);
    expect(changes[0]?.path).toEqual(['databases', 0, 'integrations', 0]);

    const result = await applyFile(provider, desired, { allowDestructive: false });
    expect(result.outcomes.filter((outcome) => outcome.status !== 'applied')).toEqual([]);
    expect(result.ok).toBe(true);

    const connection = await createConnection({
      host: '127.0.0.1', port: server.port, user: 'metabase', password: PASSWORD, database: 'orders',
      ssl: verifiedTls, connectTimeout: 5_000,
    });
    try {
      expect(await connection.query('SELECT total FROM line_items')).toEqual([{ total: '10.00' }]);
      await expect(connection.query('INSERT INTO line_items VALUES (2, 20)')).rejects.toThrow(/denied/);
      await expect(connection.query('SELECT * FROM customers')).rejects.toThrow(/denied/);
    } finally {
      await connection.end();
    }
    expect(await server.sql("SELECT ssl_type FROM mysql.user WHERE User = 'metabase'")).toEqual([{ ssl_type: 'ANY' }]);

    const again = h.providerFor(desired, env());
    expect(again.diff(desired, await again.inspect([desired]))).toEqual([]);
    const output = JSON.stringify([changes, result, h.logs]);
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain('test-admin-password');
  });

  it('skips the accounts when an allowlist change fails, and the next apply converges', async () => {
    const desired = configFor(h.fake, [orders({ endpoints: [{ name: 'orders-public', exposure: 'public', allow: [{ cidr: '127.0.0.1/32' }, { cidr: '203.0.113.0/24' }] }] })]);
    h.fake.fail({ method: 'PUT', path: /allowlist$/, status: 500, message: 'internal error', times: 1 });
    const failed = await applyFile(h.providerFor(desired, env()), desired, { allowDestructive: false });
    expect(failed.ok).toBe(false);
    expect(failed.outcomes.map((outcome) => [outcome.change.address, outcome.status])).toEqual([
      ['skysql.allowlist.orders/orders-public', 'failed'],
      ['skysql.accounts.orders.account.metabase@%', 'skipped'],
      ['skysql.accounts.orders.grant.metabase@%.orders.line_items', 'skipped'],
    ]);
    expect(await server.sql("SELECT User FROM mysql.user WHERE User = 'metabase'")).toEqual([]);

    expect((await applyFile(h.providerFor(desired, env()), desired, { allowDestructive: false })).ok).toBe(true);
    const again = h.providerFor(desired, env());
    expect(again.diff(desired, await again.inspect([desired]))).toEqual([]);
  });

  it('refuses to drop a user no integration declares any more unless acknowledged, before changing anything', async () => {
    const desired = configFor(h.fake, [orders()]);
    expect((await applyFile(h.providerFor(desired, env()), desired, { allowDestructive: false })).ok).toBe(true);
    const mutations = h.fake.mutations().length;
    const without = configFor(h.fake, [orders({ integrations: [], endpoints: [{ name: 'orders-public', exposure: 'public', allow: [{ cidr: '203.0.113.0/24' }] }] })]);
    await expect(applyFile(h.providerFor(without, env()), without, { allowDestructive: false }))
      .rejects.toThrow(/^apply refused: 1 change needs acknowledgement: skysql\.accounts\.orders\.accounts\.metabase \(destructive: /);
    expect(h.fake.mutations()).toHaveLength(mutations);
    expect(await server.sql("SELECT User AS user FROM mysql.user WHERE User = 'metabase'")).toEqual([{ user: 'metabase' }]);
  });

  it('verifies the service against the system trust store, which does not know the stand-in CA', async () => {
    const desired = configFor(h.fake, [orders()]);
    const provider = h.providerFor(desired, env(false));
    const error = await provider.inspect([desired]).then(() => undefined, (thrown: Error) => thrown);
    expect(error?.message).toMatch(/^mariadb: cannot connect to 127\.0\.0\.1:\d+ as dbfence_admin: .*certificate/);
    expect(error?.message).not.toContain('\n');
    expect(await server.sql("SELECT User FROM mysql.user WHERE User = 'metabase'")).toEqual([]);
  });

  it('says, per integration, that users are not managed on a service without adminUrl', async () => {
    const desired = configFor(h.fake, [orders({ adminUrl: undefined })]);
    const provider = h.providerFor(desired, env());
    const live = await provider.inspect([desired]);
    expect(provider.diff(desired, live)).toEqual([]);
    expect(provider.notices(desired, live)).toEqual([{
      ruleId: 'accounts-unmanaged', address: 'skysql.accounts.orders.metabase', path: ['databases', 0, 'integrations', 0],
      message: 'integration metabase: user metabase and its grants are not managed, so the plan shows no change for them whatever the database holds: databases[0].adminUrl is not set; give the service\'s admin credentials to manage them',
    }]);
  });
});
