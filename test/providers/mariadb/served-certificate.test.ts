import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchMariadbCertificate } from '../../../src/edges/mariadb/served-certificate.js';
import { createCa } from '../../../src/tls/ca.js';
import { startMariadbServer, type MariadbTestServer } from '../../helpers/mariadb-server.js';

const ca = createCa({ commonName: 'dbfence MariaDB probe CA', validityDays: 30 });

describe('fetchMariadbCertificate on a real MariaDB', () => {
  let withTls: MariadbTestServer;
  let plain: MariadbTestServer;
  beforeAll(async () => {
    [withTls, plain] = await Promise.all([
      startMariadbServer({ tls: { ca, hostnames: ['db.test', '127.0.0.1'] } }),
      startMariadbServer(),
    ]);
  }, 60_000);
  afterAll(async () => { await Promise.all([withTls?.stop(), plain?.stop()]); });

  it('reads the greeting, sends the SSLRequest and returns the certificate the handshake presents, checked against the CA', async () => {
    const served = await fetchMariadbCertificate('127.0.0.1', withTls.port, { ca: ca.certificatePem, servername: 'db.test' });
    expect(served?.names).toEqual(['db.test', '127.0.0.1']);
    expect(served?.chainError).toBeUndefined();
    expect(served?.protocol).toMatch(/^TLSv1\.[23]$/);
    const [loaded] = await withTls.sql<{ path: string }>('SELECT @@ssl_cert AS path');
    expect(served?.pem).toBe(readFileSync(loaded!.path, 'utf8'));
  });

  it('returns undefined for a server started without TLS', async () => {
    await expect(fetchMariadbCertificate('127.0.0.1', plain.port)).resolves.toBeUndefined();
  });
});

describe('fetchMariadbCertificate against what is not a MariaDB server', () => {
  const servers: ReturnType<typeof createServer>[] = [];
  afterAll(() => { for (const server of servers) server.close(); });
  async function fake(greeting: Buffer | undefined): Promise<number> {
    const server = createServer((socket) => { if (greeting) socket.write(greeting); });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  }

  it("says why a server refused the probe's host in its greeting", async () => {
    const message = Buffer.from("Host '127.0.0.2' is not allowed to connect to this MariaDB server");
    const payload = Buffer.concat([Buffer.from([0xff, 0x6a, 0x04]), message]);
    const port = await fake(Buffer.concat([Buffer.from([payload.length, 0, 0, 0]), payload]));
    await expect(fetchMariadbCertificate('127.0.0.1', port)).rejects.toThrow(/refused the connection: Host '127\.0\.0\.2' is not allowed .* \(error 1130\)$/);
  });

  it('refuses a peer that does not greet like MariaDB, and gives up on one that says nothing', async () => {
    await expect(fetchMariadbCertificate('127.0.0.1', await fake(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')))).rejects.toThrow(/did not greet like a MariaDB or MySQL server/);
    await expect(fetchMariadbCertificate('127.0.0.1', await fake(undefined), { timeoutMs: 100 })).rejects.toThrow(/no answer from 127\.0\.0\.1:\d+ within 100 ms/);
  });
});
