import { describe, expect, it } from 'vitest';
import { ToolError } from '../../src/errors.js';
import type { EndpointsConfig } from '../../src/model/config.js';
import { createCa } from '../../src/tls/ca.js';
import { certificateNamesHost, isIssuedBy, readCertificate } from '../../src/tls/certificate-info.js';
import {
  certificateExpiryNotices, desiredServerCertificate, issueDesiredCertificate, renewalReasons, signingCa,
} from '../../src/tls/certificate-policy.js';
import { issueServerCertificate } from '../../src/tls/server-certificate.js';

const DAY = 86_400_000;
const now = new Date('2026-06-01T00:00:00Z');
const ca = createCa({ commonName: 'Policy CA', validityDays: 3650, now: new Date('2026-01-01Z') });

// The policy knows no engine: a MariaDB file on SkySQL asks the same of its server certificate.
const config = {
  version: 1,
  provider: { kind: 'skysql', apiKey: { fromEnv: 'SKYSQL_API_KEY' } },
  defaults: { certificates: { validity: '90d', renewBefore: '30d' } },
  databases: [{
    name: 'orders',
    engine: 'mariadb',
    endpoints: [
      { name: 'public', exposure: 'public', hostname: 'orders.db.example.com', allow: [{ cidr: '52.20.10.10/32' }] },
      { name: 'again', exposure: 'public', hostname: 'orders.db.example.com', tls: { minVersion: '1.3' }, allow: [{ cidr: '52.20.10.11/32' }] },
      { name: 'private', exposure: 'public', hostname: '10.0.0.5', allow: [{ cidr: '52.20.10.12/32' }] },
    ],
  }],
} as unknown as EndpointsConfig;
const want = desiredServerCertificate(config);

function served(names: string[], daysLeft: number, signer = ca) {
  const issued = issueServerCertificate({ ca: signer, hostnames: names, notAfter: new Date(now.getTime() + daysLeft * DAY), now: new Date(now.getTime() - DAY) });
  return readCertificate(issued.certificatePem);
}

describe('the server certificate policy', () => {
  it('asks for every endpoint hostname once, with where the file names it, and the strictest TLS floor', () => {
    expect(want.hostnames).toEqual([
      { name: 'orders.db.example.com', path: ['databases', 0, 'endpoints', 0, 'hostname'] },
      { name: '10.0.0.5', path: ['databases', 0, 'endpoints', 2, 'hostname'] },
    ]);
    expect(want).toMatchObject({ minProtocol: 'TLSv1.3', minProtocolPath: ['databases', 0, 'endpoints', 1, 'tls', 'minVersion'] });
  });

  it('keeps a certificate from the CA that names every hostname and is far from expiry', () => {
    const certificate = served(['orders.db.example.com', '10.0.0.5'], 60);
    expect(renewalReasons(want, certificate, true, now)).toEqual([]);
    expect(certificateExpiryNotices(want, certificate, now, 'mariadb.certificate.server')).toEqual([]);
  });

  it('renews when another CA signed it, a hostname is missing, or it expires within renewBefore', () => {
    const other = createCa({ commonName: 'Other CA', validityDays: 3650, now: new Date('2026-01-01Z') });
    const certificate = served(['orders.db.example.com'], 20, other);
    expect(renewalReasons(want, certificate, false, now)).toEqual([
      { reason: `the served certificate (serial ${certificate.serial}) is not signed by provider.ca` },
      { reason: 'the served certificate does not name 10.0.0.5', path: ['databases', 0, 'endpoints', 2, 'hostname'] },
      { reason: `the served certificate (serial ${certificate.serial}) expires on ${certificate.notAfter.toISOString()}, within renewBefore (30d)` },
    ]);
    expect(certificateExpiryNotices(want, certificate, now, 'mariadb.certificate.server')).toMatchObject([
      { ruleId: 'certificate-expiry', address: 'mariadb.certificate.server', path: ['provider'] },
      { ruleId: 'certificate-expiry', address: 'mariadb.certificate.server', path: ['databases', 0, 'endpoints', 2, 'hostname'] },
    ]);
  });

  it('issues a certificate for every hostname, valid for validity but never beyond the CA', () => {
    const issued = issueDesiredCertificate(want, signingCa(ca, want, now), now);
    const info = readCertificate(issued.certificatePem);
    expect(isIssuedBy(issued.certificatePem, ca.certificatePem)).toBe(true);
    expect(want.hostnames.every((hostname) => certificateNamesHost(issued.certificatePem, hostname.name))).toBe(true);
    expect(info.notAfter.getTime()).toBe(now.getTime() + 90 * DAY);

    const shortCa = createCa({ commonName: 'Short CA', validityDays: 60, now });
    const capped = readCertificate(issueDesiredCertificate(want, signingCa(shortCa, want, now), now).certificatePem);
    expect(capped.notAfter).toEqual(readCertificate(shortCa.certificatePem).notAfter);
  });

  it('refuses a CA that expires within renewBefore', () => {
    const dying = createCa({ commonName: 'Dying CA', validityDays: 20, now });
    expect(() => signingCa(dying, want, now)).toThrow(ToolError);
    expect(() => signingCa(dying, want, now)).toThrow(/within renewBefore \(30d\)/);
  });
});
