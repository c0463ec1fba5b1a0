import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createCa } from '../../src/tls/ca.js';
import { fetchServedCertificate } from '../../src/tls/served-certificate.js';
import { issueServerCertificate } from '../../src/tls/server-certificate.js';

const now = new Date();
const ca = createCa({ commonName: 'Test CA', validityDays: 30, now });
const issued = issueServerCertificate({ ca, hostnames: ['db.example.com'], notAfter: new Date(now.getTime() + 86_400_000), now });

/** A stand-in for a PostgreSQL postmaster: reads the 8-byte SSLRequest, then answers as told. */
async function fakePostgres(answer: (socket: Socket) => void): Promise<{ port: number; requests: Buffer[] }> {
  const requests: Buffer[] = [];
  const server = createServer((socket) => {
    socket.once('data', (request) => {
      requests.push(request);
      answer(socket);
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, requests };
}

const servers: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

describe('fetchServedCertificate', () => {
  it('sends the SSLRequest, then returns the certificate the TLS handshake presents', async () => {
    const { port, requests } = await fakePostgres((socket) => {
      socket.write('S');
      const tls = new TLSSocket(socket, { isServer: true, cert: issued.certificatePem, key: issued.keyPem });
      tls.on('error', () => {});
    });
    const served = await fetchServedCertificate('127.0.0.1', port, { servername: 'db.example.com' });
    expect(requests[0]).toEqual(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]));
    expect(served?.serial).toBe(issued.serial);
    expect(served?.names).toEqual(['db.example.com']);
    expect(served?.protocol).toMatch(/^TLSv1\.[23]$/);
  });

  it('returns undefined when the server answers that it offers no TLS', async () => {
    const { port } = await fakePostgres((socket) => socket.end('N'));
    await expect(fetchServedCertificate('127.0.0.1', port)).resolves.toBeUndefined();
  });

  it('refuses an answer with bytes after it, as libpq does against injection', async () => {
    const { port } = await fakePostgres((socket) => socket.write('Sxyz'));
    await expect(fetchServedCertificate('127.0.0.1', port)).rejects.toThrow(/did not answer the SSLRequest like a PostgreSQL server/);
  });

  it('gives up on a server that never answers', async () => {
    const { port } = await fakePostgres(() => {});
    await expect(fetchServedCertificate('127.0.0.1', port, { timeoutMs: 100 })).rejects.toThrow(/no answer from 127\.0\.0\.1:\d+ within 100 ms/);
  });
});
