import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { applyFile } from '../../../src/plan/apply.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { createConnection } from 'mariadb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database, Integration } from '../../../src/model/config.js';
import { createCa } from '../../../src/tls/ca.js';
import type { FakeAccount } from '../../fakes/aptible/model.js';
import { mariadbMissing, startMariadbServer, type MariadbTestServer } from '../../helpers/mariadb-server.js';
import { endpoint, type Harness, plan, startHarness, TOKEN } from './harness.js';

/**
 * The aptible provider's accounts on a MySQL database: a private MariaDB
 * stands in for it (`adminUrl` is a `mysql://` credential URL, its `ssl-ca`
 * the environment's CA, as `dbfence ca-cert` gives it), the fake Deploy API
 * for its endpoints.
 */
const ADMIN_ENV = 'LEGACY_ADMIN_URL';
const PASSWORD = 'looker-password-91c0e4';
const missing = mariadbMissing();
if (missing) console.info(`aptible MySQL accounts tests skipped: ${missing}`);

const ca = createCa({ commonName: 'dbfence Aptible environment CA (test)', validityDays: 30 });
/** Node checks an IP address against `host`: it cannot be a server name. */
const verifiedTls: ConnectionOptions = { ca: ca.certificatePem, host: '127.0.0.1' };
let server: MariadbTestServer;
let folder: string;
let caFile: string;
let h: Harness;
let production: FakeAccount;

beforeAll(async () => {
  if (missing) return;
  folder = mkdtempSync(join(tmpdir(), 'dbfence-aptible-mysql-'));
  caFile = join(folder, 'aptible-ca.pem');
  writeFileSync(caFile, ca.certificatePem);
  server = await startMariadbServer({ tls: { ca, hostnames: ['127.0.0.1'] } });
  await server.sql('CREATE DATABASE db');
  await server.sql('CREATE TABLE db.orders (id int PRIMARY KEY, total decimal(10, 2))');
  await server.sql('INSERT INTO db.orders VALUES (1, 10)');
}, 120_000);
afterAll(async () => {
  await server?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

beforeEach(async () => {
  if (missing) return;
  h = await startHarness();
  production = h.fake.model.addEnvironment('production');
  h.fake.model.addDatabase(production, 'legacy', { type: 'mysql' });
});
afterEach(async () => {
  await h?.fake.close();
  if (missing) return;
  for (const row of await server.sql<{ user: string; host: string }>("SELECT User AS user, Host AS host FROM mysql.user WHERE User = 'looker'")) {
    await server.sql(`DROP USER '${row.user}'@'${row.host}'`);
  }
  await server.sql('DROP DATABASE IF EXISTS dbfence');
});

const looker: Integration = {
  name: 'looker', user: 'looker', endpoint: 'legacy-public', access: 'read-only',
  from: ['127.0.0.1/32'],
  grants: [{ table: 'db.orders', privileges: ['SELECT'] }],
  credentials: { password: { fromEnv: 'LOOKER_PASSWORD' } },
};

function legacy(overrides: Partial<Database> = {}): Database {
  return {
    name: 'legacy', engine: 'mysql', adminUrl: { fromEnv: ADMIN_ENV },
    endpoints: [endpoint('legacy-public', ['127.0.0.1/32'])], integrations: [looker], ...overrides,
  };
}

function env(): NodeJS.ProcessEnv {
  const url = server.adminUrl.replace(/^mariadb:/, 'mysql:');
  return { [ADMIN_ENV]: `${url}?ssl-ca=${encodeURIComponent(caFile)}`, LOOKER_PASSWORD: PASSWORD };
}

describe.skipIf(missing)('aptible accounts on a MySQL database (the mariadb engine through databases[].adminUrl)', () => {
  it('plans the endpoint and the users with their grants, applies both, and then plans nothing', async () => {
    const desired = h.config([legacy()]);
    const changes = await plan(h.provider(desired.databases, { env: env() }), desired);
    expect(changes.map((change) => [change.address, change.action])).toEqual([
      ['aptible.endpoint.legacy/legacy-public', 'create'],
      ['aptible.database.legacy', 'update'],
      ['aptible.accounts.legacy.account.looker@%', 'create'],
      ['aptible.accounts.legacy.grant.looker@%.db.orders', 'create'],
    ]);

    const result = await applyFile(h.provider(desired.databases, { env: env() }), desired, { allowDestructive: true });
    expect(result.outcomes.filter((outcome) => outcome.status !== 'applied')).toEqual([]);
    expect(result.ok).toBe(true);

    const connection = await createConnection({
      host: '127.0.0.1', port: server.port, user: 'looker', password: PASSWORD, database: 'db',
      ssl: verifiedTls, connectTimeout: 5_000,
    });
    try {
      expect(await connection.query('SELECT total FROM orders')).toEqual([{ total: '10.00' }]);
      await expect(connection.query('DELETE FROM orders')).rejects.toThrow(/denied/);
    } finally {
      await connection.end();
    }

    expect(await plan(h.provider(desired.databases, { env: env() }), desired)).toEqual([]);
    const output = JSON.stringify([changes, result, h.logs]);
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain('test-admin-password');
  });

  it('says, per integration, that users are not managed on a MySQL database without adminUrl', async () => {
    const desired = h.config([legacy({ adminUrl: undefined, endpoints: [] })]);
    const provider = h.provider(desired.databases, { env: env() });
    const live = await provider.inspect([desired]);
    expect(provider.diff(desired, live)).toEqual([]);
    expect(provider.notices(desired, live)).toEqual([{
      ruleId: 'accounts-unmanaged', address: 'aptible.accounts.legacy.looker', path: ['databases', 0, 'integrations', 0],
      message: 'integration looker: user looker and its grants are not managed, so the plan shows no change for them whatever the database holds: databases[0].adminUrl is not set; give the database\'s admin connection URL to manage them',
    }]);
  });
});
