import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { caProblem, createCa } from '../../src/tls/ca.js';
import { issueServerCertificate } from '../../src/tls/server-certificate.js';

const now = new Date('2026-01-15T12:00:00Z');
const ca = createCa({ commonName: 'Acme DB CA', validityDays: 365, now });

describe('createCa', () => {
  it('makes a self-signed CA that may sign server certificates but no further CAs', () => {
    const cert = new X509Certificate(ca.certificatePem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('CN=Acme DB CA');
    expect(cert.issuer).toBe('CN=Acme DB CA');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.toLegacyObject().ext_key_usage).toBeUndefined();
    expect(new Date(cert.validTo).getTime() - now.getTime()).toBe(365 * 86_400_000);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
    expect(caProblem(ca, now)).toBeUndefined();
  });

  it('writes PEM with LF line endings, which PostgreSQL and COPY read as is', () => {
    expect(ca.certificatePem).not.toContain('\r');
    expect(ca.keyPem).not.toContain('\r');
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
  });
});

describe('caProblem', () => {
  it('refuses a server certificate used as a CA', () => {
    const server = issueServerCertificate({ ca, hostnames: ['db.example.com'], notAfter: new Date('2026-03-01Z'), now });
    expect(caProblem(server, now)).toMatch(/not a CA certificate/);
  });

  it('refuses a key that belongs to another CA', () => {
    const other = createCa({ commonName: 'Other', validityDays: 30, now });
    expect(caProblem({ certificatePem: ca.certificatePem, keyPem: other.keyPem }, now)).toBe('the key does not belong to the certificate');
  });

  it('refuses an expired CA and one not valid yet', () => {
    expect(caProblem(ca, new Date('2027-02-01Z'))).toMatch(/^the CA certificate expired on 2027-01-15/);
    expect(caProblem(ca, new Date('2025-01-01Z'))).toMatch(/not valid before/);
  });

  it('refuses EC keys and anything that is not a key, without echoing it', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(caProblem({ certificatePem: ca.certificatePem, keyPem: ec }, now)).toBe('the key is EC; dbfence signs with RSA CA keys only');
    const problem = caProblem({ certificatePem: ca.certificatePem, keyPem: 'hunter2' }, now);
    expect(problem).toBe('the key is not an unencrypted PEM private key');
    expect(caProblem({ certificatePem: 'nope', keyPem: ca.keyPem }, now)).toBe('the certificate is not a PEM certificate');
  });
});
