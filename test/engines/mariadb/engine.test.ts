import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection } from 'mariadb';
import { createCa } from '../../../src/tls/ca.js';
import { startMariadbServer, type MariadbTestServer } from '../../helpers/mariadb-server.js';
import { asIntegration, connectAs, type EngineHarness, engineFor, integration, ordersFile } from './fixtures.js';

const ca = createCa({ commonName: 'dbfence MariaDB engine test CA', validityDays: 30 });
const PASSWORD_ENV = 'METABASE_PASSWORD';

describe('the mariadb engine on a real MariaDB', () => {
  let server: MariadbTestServer;
  let harness: EngineHarness;
  const file = ordersFile([integration('metabase', 'metabase_ro', PASSWORD_ENV)]);

  beforeAll(async () => {
    server = await startMariadbServer({ tls: { ca, hostnames: ['127.0.0.1'] } });
    await server.sql('CREATE DATABASE orders');
    await server.sql('CREATE TABLE orders.line_items (id INT PRIMARY KEY, total INT)');
    await server.sql('CREATE TABLE orders.customers (id INT PRIMARY KEY, email TEXT)');
    await server.sql('INSERT INTO orders.line_items VALUES (1, 10)');
    // Every statement the server receives, to show that no password is among them.
    await server.sql("SET GLOBAL log_output = 'TABLE'");
    await server.sql('SET GLOBAL general_log = ON');
    harness = engineFor(server, { [PASSWORD_ENV]: 'first-secret' }, ca.certificatePem);
  }, 60_000);
  afterAll(async () => { await server?.stop(); });

  it('plans one locked account per source, applies it, and the integration connects with full verification and only its grants', async () => {
    expect(await harness.plan(file)).toEqual([
      'create mariadb.account.metabase_ro@127.0.0.1',
      'create mariadb.grant.metabase_ro@127.0.0.1.orders.line_items',
    ]);
    const result = await harness.apply(file);
    expect(result.outcomes.map((o) => o.status)).toEqual(['applied', 'applied']);
    expect(result.ok).toBe(true);
    await asIntegration(server, ca.certificatePem, 'metabase_ro', 'first-secret', async (c) => {
      expect(await c.query('SELECT total FROM orders.line_items')).toEqual([{ total: 10 }]);
      const [cipher] = await c.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
      expect(cipher.Value).not.toBe('');
      await expect(c.query('INSERT INTO orders.line_items VALUES (2, 20)')).rejects.toThrow(/INSERT command denied/);
      await expect(c.query('SELECT * FROM orders.customers')).rejects.toThrow(/SELECT command denied/);
    });
    const [row] = await server.sql<{ ssl_type: string; plugin: string }>("SELECT ssl_type, plugin FROM mysql.user WHERE User = 'metabase_ro'");
    expect(row).toMatchObject({ ssl_type: 'ANY', plugin: 'mysql_native_password' });
    expect(await harness.plan(file)).toEqual([]);
  });

  it('never sends the password: the server\'s general log holds only the computed hash', async () => {
    const statements = (await server.sql<{ text: string }>('SELECT CONVERT(argument USING utf8mb4) AS text FROM mysql.general_log')).map((row) => row.text);
    expect(statements.some((text) => /CREATE USER 'metabase_ro'@'127\.0\.0\.1' IDENTIFIED BY PASSWORD '\*[0-9A-F]{40}'/.test(text))).toBe(true);
    expect(statements.filter((text) => text.includes('first-secret'))).toEqual([]);
  });

  it('refuses a source outside `from`, and a client that does not use TLS', async () => {
    await expect(connectAs(server, ca.certificatePem, 'metabase_ro', 'first-secret', '127.0.0.2')).rejects.toThrow(/not allowed to connect|Access denied/);
    await expect(createConnection({ host: '127.0.0.1', port: server.port, user: 'metabase_ro', password: 'first-secret', connectTimeout: 5_000 }))
      .rejects.toThrow(/Access denied/);
  });

  it('reads in a fixed number of statements', async () => {
    const { engine } = harness;
    const { mariadbDesiredState } = await import('../../../src/engines/mariadb/index.js');
    const live = await engine.inspect([mariadbDesiredState(file)]);
    expect(live.statementCount).toBe(7);
  });

  it('shows a grant and a `u@%` account added by hand as changes, and removes them', async () => {
    await server.sql("GRANT SELECT ON orders.customers TO 'metabase_ro'@'127.0.0.1'");
    await server.sql("GRANT PROCESS ON *.* TO 'metabase_ro'@'127.0.0.1'");
    await server.sql("CREATE USER 'metabase_ro'@'%' IDENTIFIED BY 'by-hand'");
    // A host only a hand could write: a backslash and a quote, which the drop must quote right.
    await server.sql("CREATE USER 'metabase_ro'@'x\\\\y''z'");
    expect(await harness.plan(file)).toEqual([
      'delete mariadb.privilege.metabase_ro@127.0.0.1.global.PROCESS',
      'delete mariadb.grant.metabase_ro@127.0.0.1.orders.customers',
      'delete mariadb.accounts.metabase_ro.undeclared-hosts',
    ]);
    const result = await harness.apply(file);
    expect(result.ok).toBe(true);
    expect(await server.sql("SELECT Host FROM mysql.user WHERE User = 'metabase_ro'")).toEqual([{ Host: '127.0.0.1' }]);
    await asIntegration(server, ca.certificatePem, 'metabase_ro', 'first-secret', async (c) => {
      await expect(c.query('SELECT * FROM orders.customers')).rejects.toThrow(/SELECT command denied/);
    });
    expect(await harness.plan(file)).toEqual([]);
  });

  it('rotates the password when the secret changes', async () => {
    harness.env[PASSWORD_ENV] = 'second-secret';
    expect(await harness.plan(file)).toEqual(['update mariadb.account.metabase_ro@127.0.0.1']);
    expect((await harness.apply(file)).ok).toBe(true);
    await asIntegration(server, ca.certificatePem, 'metabase_ro', 'second-secret', async (c) => {
      expect(await c.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });
    await expect(connectAs(server, ca.certificatePem, 'metabase_ro', 'first-secret')).rejects.toThrow(/Access denied/);
    expect(await harness.plan(file)).toEqual([]);
  });

  it('keeps an account on ed25519 when its stored string matches the secret', async () => {
    await server.sql("INSTALL SONAME 'auth_ed25519'");
    await server.sql("ALTER USER 'metabase_ro'@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD('second-secret')");
    expect(await harness.plan(file)).toEqual([]);
    harness.env[PASSWORD_ENV] = 'third-secret';
    expect(await harness.plan(file)).toEqual(['update mariadb.account.metabase_ro@127.0.0.1']);
    expect((await harness.apply(file)).ok).toBe(true);
    const [row] = await server.sql<{ plugin: string }>("SELECT plugin FROM mysql.user WHERE User = 'metabase_ro'");
    expect(row!.plugin).toBe('ed25519');
    await asIntegration(server, ca.certificatePem, 'metabase_ro', 'third-secret', async (c) => {
      expect(await c.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });
  });

  it('leaves an unmanaged account alone, and refuses to take over its user name', async () => {
    await server.sql("CREATE USER 'legacy'@'%' IDENTIFIED BY 'legacy-pw'");
    await server.sql("GRANT SELECT ON orders.* TO 'legacy'@'%'");
    expect(await harness.plan(file)).toEqual([]);
    const claiming = ordersFile([integration('metabase', 'metabase_ro', PASSWORD_ENV), integration('old', 'legacy', PASSWORD_ENV)]);
    await expect(harness.plan(claiming)).rejects.toThrow(/user legacy exists .* but dbfence does not manage it/);
    expect(await server.sql("SELECT Host FROM mysql.user WHERE User = 'legacy'")).toEqual([{ Host: '%' }]);
  });

  it('escapes _ in a database-wide grant, so it names one database', async () => {
    await server.sql('CREATE DATABASE shop_x');
    await server.sql('CREATE DATABASE shopyx');
    await server.sql('CREATE TABLE shop_x.t (a INT)');
    await server.sql('CREATE TABLE shopyx.t (a INT)');
    const shops = ordersFile([]);
    shops.databases = [{
      name: 'shop_x', engine: 'mariadb',
      integrations: [integration('shop', 'shop_ro', PASSWORD_ENV, { grants: [{ table: 'shop_x.*', privileges: ['SELECT'] }] })],
    }];
    expect((await harness.apply(shops)).ok).toBe(true);
    await asIntegration(server, ca.certificatePem, 'shop_ro', 'third-secret', async (c) => {
      expect(await c.query('SELECT * FROM shop_x.t')).toEqual([]);
      await expect(c.query('SELECT * FROM shopyx.t')).rejects.toThrow(/SELECT command denied/);
    });
    expect(await harness.plan(shops)).toEqual([]);
  });

  it('on a platform, gives each integration one account at %, as the platform\'s edge filters sources', async () => {
    const { mariadbDatabaseAccounts } = await import('../../../src/engines/mariadb/index.js');
    const service = ordersFile([integration('bi', 'bi_ro', PASSWORD_ENV, { grants: [{ table: 'shop_x.t', privileges: ['SELECT'] }] })]);
    service.databases[0]!.name = 'bi-service'; // a service of its own: orders' accounts belong to the other file
    const state = mariadbDatabaseAccounts(service, 0);
    const live = await harness.engine.inspect([state]);
    expect(harness.engine.changes(state, live).map((c) => `${c.action} ${c.address}`)).toEqual([
      'create mariadb.account.bi_ro@%', 'create mariadb.grant.bi_ro@%.shop_x.t',
    ]);
    expect((await harness.apply(service, false, { stateOf: (file) => mariadbDatabaseAccounts(file, 0) })).ok).toBe(true);
    const connection = await connectAs(server, ca.certificatePem, 'bi_ro', 'third-secret', '127.0.0.2');
    try {
      expect(await connection.query('SELECT * FROM shop_x.t')).toEqual([]);
    } finally {
      await connection.end();
    }
    expect(harness.engine.changes(state, await harness.engine.inspect([state]))).toEqual([]);
  });
});
