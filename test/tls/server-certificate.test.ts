import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createCa } from '../../src/tls/ca.js';
import {
  certificateNamesHost, isIssuedBy, keyMatchesCertificate, readCertificate,
} from '../../src/tls/certificate-info.js';
import { issueServerCertificate } from '../../src/tls/server-certificate.js';

const now = new Date();
const ca = createCa({ commonName: 'Test CA', validityDays: 30, now });
const notAfter = new Date(now.getTime() + 7 * 86_400_000);
const issued = issueServerCertificate({ ca, hostnames: ['orders.db.example.com', 'db.example.com', '10.0.0.5'], notAfter, now });

describe('issueServerCertificate', () => {
  it('names every hostname and IP, for TLS servers only, signed by the CA', () => {
    const info = readCertificate(issued.certificatePem);
    expect(info.names).toEqual(['orders.db.example.com', 'db.example.com', '10.0.0.5']);
    expect(info.subject).toBe('CN=orders.db.example.com');
    expect(info.issuer).toBe('CN=Test CA');
    expect(info.serial).toBe(issued.serial);
    expect(info.notAfter.getTime()).toBe(Math.floor(notAfter.getTime() / 1000) * 1000);
    const cert = new X509Certificate(issued.certificatePem);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(isIssuedBy(issued.certificatePem, ca.certificatePem)).toBe(true);
    expect(keyMatchesCertificate(issued.certificatePem, issued.keyPem)).toBe(true);
  });

  it('gives every certificate a new key and a random 128-bit serial', () => {
    const again = issueServerCertificate({ ca, hostnames: ['db.example.com'], notAfter, now });
    expect(again.serial).not.toBe(issued.serial);
    expect(again.serial).toMatch(/^[0-9A-F]{25,32}$/);
    expect(keyMatchesCertificate(issued.certificatePem, again.keyPem)).toBe(false);
  });

  it('is not taken for the work of another CA with the same name', () => {
    const other = createCa({ commonName: 'Test CA', validityDays: 30, now });
    expect(isIssuedBy(issued.certificatePem, other.certificatePem)).toBe(false);
  });

  it('matches hostnames exactly as a verifying client does', () => {
    expect(certificateNamesHost(issued.certificatePem, 'db.example.com')).toBe(true);
    expect(certificateNamesHost(issued.certificatePem, '10.0.0.5')).toBe(true);
    expect(certificateNamesHost(issued.certificatePem, 'other.example.com')).toBe(false);
    expect(certificateNamesHost(issued.certificatePem, '10.0.0.6')).toBe(false);
    // The CN is ignored once SANs exist, as libpq and Node do.
    const cnOnly = issueServerCertificate({ ca, hostnames: ['a.example.com'], notAfter, now });
    expect(certificateNamesHost(cnOnly.certificatePem, 'a.example.com')).toBe(true);
  });

  it('passes full verification (chain and hostname) in a real TLS handshake', async () => {
    const server = createServer({ cert: issued.certificatePem, key: issued.keyPem }, (socket) => socket.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const handshake = (servername: string): Promise<void> => new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, servername, ca: ca.certificatePem, rejectUnauthorized: true }, () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
    await expect(handshake('orders.db.example.com')).resolves.toBeUndefined();
    await expect(handshake('elsewhere.example.com')).rejects.toThrow(/does not match certificate's altnames/);
    server.close();
  });
});

describe('readCertificate', () => {
  it('throws on text that is not a certificate', () => {
    expect(() => readCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toThrow();
  });
});
