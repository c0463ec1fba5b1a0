import type { ConnectionOptions } from 'node:tls';
import { createConnection } from 'mariadb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../../../src/tls/ca.js';
import { startMariadbServer, type MariadbTestServer } from '../../helpers/mariadb-server.js';

const ca = createCa({ commonName: 'dbfence MariaDB test CA', validityDays: 30 });

/** Node's TLS checks `host` (else `localhost`) when no server name is given, and an IP cannot be a server name. */
function verifiedTls(host: string): ConnectionOptions {
  return { ca: ca.certificatePem, host };
}

describe('the private MariaDB of a test run', () => {
  let server: MariadbTestServer;
  beforeAll(async () => { server = await startMariadbServer({ tls: { ca, hostnames: ['127.0.0.1', 'db.test'] } }); }, 60_000);
  afterAll(async () => { await server?.stop(); });

  it('lets the admin in over TCP, with no anonymous account and no test database', async () => {
    const url = new URL(server.adminUrl);
    const connection = await createConnection({
      host: url.hostname, port: Number(url.port), user: url.username, password: decodeURIComponent(url.password),
      ssl: verifiedTls(url.hostname), connectTimeout: 5_000,
    });
    try {
      const [row] = await connection.query("SELECT VERSION() AS version, @@skip_name_resolve AS skip");
      expect(String(row.version)).toMatch(/MariaDB/);
      expect(Number(row.skip)).toBe(1);
    } finally {
      await connection.end();
    }
    expect(await server.sql("SELECT user FROM mysql.user WHERE user = ''")).toEqual([]);
  });

  it('serves TLS that the mariadb driver verifies, host name included', async () => {
    const url = new URL(server.adminUrl);
    const options = { port: Number(url.port), user: url.username, password: decodeURIComponent(url.password), connectTimeout: 5_000 };
    await expect(createConnection({ ...options, host: '127.0.0.1', ssl: verifiedTls('other.test') }))
      .rejects.toThrow(/other\.test|altnames|Hostname/i);
  });
});
