import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MariadbEngine, mariadbDesiredState } from '../../../src/engines/mariadb/index.js';
import { createCa } from '../../../src/tls/ca.js';
import { freePort } from '../../helpers/pg-server.js';
import { startMariadbServer, type MariadbTestServer } from '../../helpers/mariadb-server.js';
import { connectAs, engineFor, integration, ordersFile } from './fixtures.js';

const ca = createCa({ commonName: 'dbfence MariaDB connection test CA', validityDays: 30 });
const otherCa = createCa({ commonName: 'some other CA', validityDays: 30 });

function engineWith(url: string, caPem?: string): MariadbEngine {
  return new MariadbEngine({ fromEnv: 'URL' }, 'provider.adminUrl', {
    secrets: { resolve: () => url }, log: () => {}, now: () => new Date(),
  }, { caPem: () => caPem });
}

const empty = mariadbDesiredState(ordersFile([]));

describe('the mariadb engine\'s admin connection', () => {
  let server: MariadbTestServer;
  beforeAll(async () => { server = await startMariadbServer({ tls: { ca, hostnames: ['127.0.0.1'] } }); }, 60_000);
  afterAll(async () => { await server?.stop(); });

  it('verifies the server\'s certificate and its name', async () => {
    await expect(engineWith(server.adminUrl, ca.certificatePem).inspect([empty])).resolves.toMatchObject({ statementCount: 6 }); // no grant names a table to look up
    await expect(engineWith(server.adminUrl, otherCa.certificatePem).inspect([empty]))
      .rejects.toThrow(/^mariadb: cannot connect to 127\.0\.0\.1:\d+ as dbfence_admin: .*(certificate|self-signed)/i);
    const byName = server.adminUrl.replace('127.0.0.1', 'localhost');
    await expect(engineWith(byName, ca.certificatePem).inspect([empty])).rejects.toThrow(/localhost|altnames/);
  });

  it('says in one line, without the password, when the login fails, and gives up on a silent server in bounded time', async () => {
    const wrong = server.adminUrl.replace('test-admin-password', 'not-the-password');
    const failure = await engineWith(wrong, ca.certificatePem).inspect([empty]).catch((error: Error) => error);
    expect((failure as Error).message).toMatch(/^mariadb: cannot connect to 127\.0\.0\.1:\d+ as dbfence_admin: Access denied/);
    expect((failure as Error).message).not.toContain('not-the-password');
    expect((failure as Error).message).not.toContain('\n');
    // A port where a listener accepts but never answers the greeting.
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      await expect(engineWith(`mariadb://a:b@127.0.0.1:${port}/?ssl-mode=DISABLED&connect-timeout=1`).inspect([empty]))
        .rejects.toThrow(/^mariadb: cannot connect to 127\.0\.0\.1:\d+ as a: /);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      silent.close();
    }
  });

  it('ends sessions from outside `from` that an apply stopped before ending', async () => {
    const harness = engineFor(server, { P: 'secret' }, ca.certificatePem);
    await server.sql('CREATE DATABASE IF NOT EXISTS orders');
    await server.sql('CREATE TABLE IF NOT EXISTS orders.line_items (id INT PRIMARY KEY)');
    const wide = ordersFile([integration('a', 'a_ro', 'P', { from: ['127.0.0.0/24'] })]);
    expect((await harness.apply(wide)).ok).toBe(true);
    const outside = await connectAs(server, ca.certificatePem, 'a_ro', 'secret', '127.0.0.2');
    outside.on('error', () => {});
    // The account that admitted 127.0.0.2 goes by hand, its session stays: the plan ends it.
    const narrow = ordersFile([integration('a', 'a_ro', 'P', { from: ['127.0.0.1/32'] })]);
    await server.sql("CREATE USER 'a_ro'@'127.0.0.1' IDENTIFIED BY 'secret' REQUIRE SSL");
    await server.sql("GRANT SELECT ON orders.line_items TO 'a_ro'@'127.0.0.1'");
    await server.sql("INSERT INTO dbfence.accounts VALUES ('a_ro', '127.0.0.1', 'a', 'orders', NULL)");
    await server.sql("DROP USER 'a_ro'@'127.0.0.0/255.255.255.0'");
    await server.sql("DELETE FROM dbfence.accounts WHERE host = '127.0.0.0/255.255.255.0'");
    expect(await harness.plan(narrow)).toEqual(['delete mariadb.sessions.a_ro']);
    await expect(harness.apply(narrow)).rejects.toThrow(/needs acknowledgement/);
    expect((await harness.apply(narrow, true)).ok).toBe(true);
    await expect(outside.query('SELECT 1')).rejects.toThrow();
    expect(await harness.plan(narrow)).toEqual([]);
  });
});
