import { describe, expect, it } from 'vitest';
import { type MariadbTlsLive, tlsChanges, tlsNotices } from '../../../src/edges/mariadb/tls.js';
import type { EndpointsConfig } from '../../../src/model/config.js';
import { createCa } from '../../../src/tls/ca.js';
import { readCertificate } from '../../../src/tls/certificate-info.js';
import { issueServerCertificate } from '../../../src/tls/server-certificate.js';

const now = new Date();
const ca = createCa({ commonName: 'plan CA', validityDays: 365, now });
const issued = issueServerCertificate({ ca, hostnames: ['orders.db.test', '10.0.0.5'], notAfter: new Date(now.getTime() + 80 * 86_400_000), now });
const files = { certFile: '/etc/mysql/ssl/server.crt', keyFile: '/etc/mysql/ssl/server.key' };

function live(overrides: Partial<MariadbTlsLive> = {}): MariadbTlsLive {
  const served = readCertificate(issued.certificatePem);
  return {
    address: { host: '10.0.0.5', port: 3306 }, server: 'mariadb', sslCert: files.certFile, sslKey: files.keyFile, protocols: ['TLSv1.2', 'TLSv1.3'],
    requireSecureTransport: true, served, servedByCa: true, files: { ...files, certExists: true, onDisk: served, keyMatches: true },
    ...overrides,
  };
}

function file(minVersion?: '1.0' | '1.2' | '1.3', ca = true): EndpointsConfig {
  return {
    version: 1,
    provider: {
      kind: 'mariadb', adminUrl: { fromEnv: 'A' },
      ...(ca ? { ca: { certificate: { fromEnv: 'C' }, key: { fromEnv: 'K' } }, serverCertificate: files } : {}),
    },
    databases: [{ name: 'orders', engine: 'mariadb', endpoints: [{ name: 'e', exposure: 'public', hostname: 'orders.db.test', ...(minVersion ? { tls: { minVersion } } : {}) }] }],
  };
}

describe('the mariadb edge plan, on a given live state', () => {
  it('plans nothing when the served certificate and tls_version are what the file asks', () => {
    expect(tlsChanges(file(), live(), now)).toEqual([]);
    expect(tlsNotices(file(), live(), now)).toEqual([]);
  });

  it('leaves TLS alone without provider.ca, and still reports what it sees', () => {
    const open = live({ requireSecureTransport: false, protocols: ['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'], files: undefined });
    expect(tlsChanges(file(undefined, false), open, now)).toEqual([]);
    expect(tlsNotices(file(undefined, false), open, now).map((n) => n.ruleId)).toEqual(['plaintext-logins']);
  });

  it('asks for the list from the minimum up, whether the server allows older protocols or refuses ones the endpoints accept', () => {
    expect(tlsChanges(file('1.0'), live({ protocols: ['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] }), now)).toEqual([]);
    const older = tlsChanges(file(), live({ protocols: ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'] }), now);
    expect(older).toMatchObject([{ address: 'mariadb.tls.version', after: { tls_version: 'TLSv1.2,TLSv1.3' }, path: ['provider'] }]);
    const stricter = tlsChanges(file('1.2'), live({ protocols: ['TLSv1.3'] }), now);
    expect(stricter).toMatchObject([{ after: { tls_version: 'TLSv1.2,TLSv1.3' }, path: ['databases', 0, 'endpoints', 0, 'tls', 'minVersion'] }]);
  });

  it('names the option file section of the server: [mysqld] on MySQL', () => {
    const [change] = tlsChanges(file('1.3'), live({ server: 'mysql' }), now);
    expect(change!.reason).toMatch(/set tls_version = TLSv1\.3 under \[mysqld\] and restart the server$/);
    const [off] = tlsChanges(file(), live({ server: 'mysql', served: undefined }), now);
    expect(off!.reason).toMatch(/\(ALTER INSTANCE RELOAD TLS reloads only what the server was started with\): set ssl_cert = .* under \[mysqld\]/);
  });

  it('reissues for the admin URL\'s host when the served certificate does not name it', () => {
    const elsewhere = live({ address: { host: 'db-admin.internal', port: 3306 } });
    expect(tlsChanges(file(), elsewhere, now)).toMatchObject([{ reason: 'the served certificate does not name db-admin.internal', path: ['provider', 'adminUrl'] }]);
  });

  it('reissues when a restart would load another certificate, or fail on the key', () => {
    expect(tlsChanges(file(), live({ files: { ...files, certExists: true, onDisk: undefined, keyMatches: false } }), now)[0]!.reason)
      .toBe('the certificate file /etc/mysql/ssl/server.crt is not the certificate served, so a restart would change it');
    expect(tlsChanges(file(), live({ files: { ...files, certExists: true, onDisk: live().served, keyMatches: false } }), now)[0]!.reason)
      .toBe('the key file /etc/mysql/ssl/server.key does not belong to the certificate, so a restart would fail to load TLS');
  });
});
