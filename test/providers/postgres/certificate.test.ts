import { describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import type { EndpointsConfig } from '../../../src/model/config.js';
import { type CertificateLive, certificateNotices, diffCertificate } from '../../../src/edges/pg-hba/certificate.js';
import { resolveProviderCa, resolveProviderCaCertificate } from '../../../src/tls/provider-ca.js';
import type { SecretResolver } from '../../../src/providers/types.js';
import { createCa } from '../../../src/tls/ca.js';
import { readCertificate } from '../../../src/tls/certificate-info.js';
import { issueServerCertificate } from '../../../src/tls/server-certificate.js';

const DAY = 86_400_000;
const now = new Date('2026-06-01T00:00:00Z');
const ca = createCa({ commonName: 'Test CA', validityDays: 3650, now: new Date('2026-01-01Z') });
const hostnames = ['orders.db.example.com', 'reports.db.example.com'];

function config(overrides: { hostnames?: string[]; ca?: boolean; minVersion?: '1.2' | '1.3'; renewBefore?: string; validity?: string } = {}): EndpointsConfig {
  return {
    version: 1,
    provider: {
      kind: 'postgres',
      adminUrl: { fromEnv: 'DBFENCE_PG_ADMIN_URL' },
      ...(overrides.ca === false ? {} : { ca: { certificate: { fromFile: 'ca.crt' }, key: { fromEnv: 'CA_KEY' } } }),
    },
    defaults: { certificates: { validity: overrides.validity ?? '90d', renewBefore: overrides.renewBefore ?? '30d' } },
    databases: [{
      name: 'orders',
      engine: 'postgresql',
      endpoints: (overrides.hostnames ?? hostnames).map((hostname, i) => ({
        name: `endpoint-${i}`, exposure: 'public' as const, hostname, allow: [{ cidr: '52.20.10.10/32' }],
        ...(overrides.minVersion && i === 1 ? { tls: { minVersion: overrides.minVersion } } : {}),
      })),
    }],
  };
}

/** The live state of a server serving a certificate for `names` that expires in `daysLeft` days. */
function serving(names: string[], daysLeft: number, overrides: Partial<CertificateLive> = {}): CertificateLive {
  const issued = issueServerCertificate({ ca, hostnames: names, notAfter: new Date(now.getTime() + daysLeft * DAY), now: new Date(now.getTime() - DAY) });
  const info = readCertificate(issued.certificatePem);
  return {
    ssl: true,
    dataDirectory: '/var/lib/postgresql/data',
    certFile: '/var/lib/postgresql/data/dbfence-server.crt',
    keyFile: '/var/lib/postgresql/data/dbfence-server.key',
    minProtocol: 'TLSv1.2',
    served: info,
    onDisk: info,
    keyMatches: true,
    servedByCa: true,
    pendingSettings: [],
    ...overrides,
  };
}

const good = serving(hostnames, 60);
const noTls: CertificateLive = { ...good, ssl: false, served: undefined, onDisk: undefined, keyMatches: false, servedByCa: undefined };

describe('diffCertificate', () => {
  it('plans nothing when a certificate from the CA names every hostname and is far from expiry', () => {
    expect(diffCertificate(config(), good, now)).toEqual([]);
    expect(certificateNotices(config(), good, now)).toEqual([]);
  });

  it('creates a certificate when the server offers no TLS', () => {
    const [change] = diffCertificate(config(), noTls, now);
    expect(change).toMatchObject({
      address: 'postgres.certificate.server', resource: 'certificate', action: 'create', destructive: false,
      reason: 'the server offers no TLS', path: ['provider', 'ca'],
      before: { tls: 'off', minProtocol: 'TLSv1.2' },
      after: { names: hostnames, validity: '90d', issuer: 'provider.ca', minProtocol: 'TLSv1.2' },
    });
  });

  it('says when ssl is on but no certificate could be loaded', () => {
    expect(diffCertificate(config(), { ...noTls, ssl: true }, now)[0]?.reason).toMatch(/^ssl is on but the server offers no TLS/);
  });

  it('replaces a certificate that expires within renewBefore, and warns about it', () => {
    const live = serving(hostnames, 20);
    const [change] = diffCertificate(config(), live, now);
    expect(change?.action).toBe('replace');
    expect(change?.reason).toBe(`the served certificate (serial ${live.served!.serial}) expires on ${live.served!.notAfter.toISOString()}, within renewBefore (30d)`);
    expect(change?.before).toMatchObject({ serial: live.served!.serial, names: hostnames });
    expect(certificateNotices(config(), live, now)).toEqual([{
      ruleId: 'certificate-expiry', address: 'postgres.certificate.server', path: ['provider'], message: change?.reason,
    }]);
    // The window follows the file: with renewBefore 10d the same certificate is fine.
    expect(diffCertificate(config({ renewBefore: '10d' }), live, now)).toEqual([]);
  });

  it('replaces an expired certificate', () => {
    const live = serving(hostnames, 0.5);
    const later = new Date(now.getTime() + DAY);
    expect(diffCertificate(config(), live, later)[0]?.reason).toMatch(/^the served certificate \(serial [0-9A-F]+\) expired on /);
  });

  it('replaces a certificate that misses a new hostname, pointing at that hostname', () => {
    const withNew = config({ hostnames: [...hostnames, 'new.db.example.com'] });
    const [change] = diffCertificate(withNew, good, now);
    expect(change).toMatchObject({
      action: 'replace',
      reason: 'the served certificate does not name new.db.example.com',
      path: ['databases', 0, 'endpoints', 2, 'hostname'],
    });
    expect(certificateNotices(withNew, good, now)).toEqual([{
      ruleId: 'certificate-expiry',
      address: 'postgres.certificate.server',
      path: ['databases', 0, 'endpoints', 2, 'hostname'],
      message: `the served certificate (serial ${good.served!.serial}) does not name new.db.example.com: clients that verify the hostname are refused`,
    }]);
  });

  it('replaces a certificate whose key file does not match, before a restart breaks TLS', () => {
    const [change] = diffCertificate(config(), { ...good, keyMatches: false }, now);
    expect(change?.action).toBe('replace');
    expect(change?.reason).toBe('the key file /var/lib/postgresql/data/dbfence-server.key does not belong to the certificate, so a restart would fail to load TLS');
  });

  it('replaces a certificate whose file on disk is not the one served (a reload failed)', () => {
    const [change] = diffCertificate(config(), { ...good, onDisk: undefined }, now);
    expect(change?.reason).toMatch(/^the certificate file \/var\/lib\/postgresql\/data\/dbfence-server\.crt is not the certificate served/);
  });

  it('replaces a certificate another CA signed, since clients verify against provider.ca', () => {
    const [change] = diffCertificate(config(), { ...good, servedByCa: false }, now);
    expect(change?.reason).toBe(`the served certificate (serial ${good.served!.serial}) is not signed by provider.ca`);
  });

  it('only updates the protocol floor when the certificate is fine, taking the strictest endpoint', () => {
    const [change] = diffCertificate(config({ minVersion: '1.3' }), good, now);
    expect(change).toMatchObject({
      action: 'update',
      reason: 'ssl_min_protocol_version is TLSv1.2 but the endpoints ask for TLSv1.3',
      path: ['databases', 0, 'endpoints', 1, 'tls', 'minVersion'],
      before: { serial: good.served!.serial, minProtocol: 'TLSv1.2' },
      after: { serial: good.served!.serial, minProtocol: 'TLSv1.3' },
    });
  });

  it('updates settings that the configuration files would change at the next reload (an ALTER SYSTEM not reloaded)', () => {
    const pending = { ...good, pendingSettings: [
      { name: 'ssl' as const, loaded: 'on', next: 'off' },
      { name: 'ssl_cert_file' as const, loaded: good.certFile, next: 'server.crt' },
    ] };
    expect(diffCertificate(config(), pending, now)).toEqual([expect.objectContaining({
      action: 'update',
      reason: 'the configuration files set ssl = off, which the next reload or restart would load instead of on; '
        + `the configuration files set ssl_cert_file = server.crt, which the next reload or restart would load instead of ${good.certFile}`,
    })]);
    // What a reload would load anyway, spelled otherwise or already the file's wish, is no change.
    const harmless = { ...good, minProtocol: 'TLSv1.3', pendingSettings: [
      { name: 'ssl' as const, loaded: 'on', next: 'true' },
      { name: 'ssl_min_protocol_version' as const, loaded: 'TLSv1.3', next: 'tlsv1.3' },
      { name: 'ssl_key_file' as const, loaded: good.keyFile, next: 'dbfence-server.key' },
    ] };
    expect(diffCertificate(config({ minVersion: '1.3' }), harmless, now)).toEqual([]);
  });

  it('lists every reason in one change', () => {
    const live = serving(['orders.db.example.com'], 5, { minProtocol: 'TLSv1' });
    const [change] = diffCertificate(config(), live, now);
    expect(change?.action).toBe('replace');
    expect(change?.reason.split('; ')).toHaveLength(3);
    expect(change?.path).toEqual(['databases', 0, 'endpoints', 1, 'hostname']);
  });

  it('manages nothing without provider.ca or without any hostname, but still warns about what is served', () => {
    const live = serving(hostnames, 5);
    expect(diffCertificate(config({ ca: false }), live, now)).toEqual([]);
    expect(certificateNotices(config({ ca: false }), live, now)).toHaveLength(1);
    expect(diffCertificate(config({ hostnames: [] }), noTls, now)).toEqual([]);
    expect(certificateNotices(config(), noTls, now)).toEqual([]);
  });

  it('refuses a renewBefore that is not shorter than the validity', () => {
    expect(() => diffCertificate(config({ validity: '30d', renewBefore: '30d' }), good, now))
      .toThrow(new ToolError('defaults.certificates.renewBefore (30d) must be shorter than validity (30d), or every apply would renew the certificate'));
  });
});

describe('resolving provider.ca', () => {
  const secrets = (values: Record<string, string>): SecretResolver => ({
    resolve: (ref) => values['fromEnv' in ref ? ref.fromEnv : ref.fromFile]!,
  });
  const settings = config().provider as Extract<EndpointsConfig['provider'], { kind: 'postgres' }>;

  it('reads the CA pair, accepting CRLF and a missing final newline', () => {
    const pair = resolveProviderCa(settings, secrets({ 'ca.crt': ca.certificatePem.trimEnd().replace(/\n/g, '\r\n'), CA_KEY: ca.keyPem }));
    expect(pair).toEqual(ca);
  });

  it('names the reference, never the value, when the CA cannot sign', () => {
    const other = createCa({ commonName: 'Other', validityDays: 1, now });
    const call = (): unknown => resolveProviderCa(settings, secrets({ 'ca.crt': ca.certificatePem, CA_KEY: other.keyPem }));
    expect(call).toThrow(new ToolError('provider.ca: the key does not belong to the certificate'));
  });

  it('explains how to get a CA when provider.ca is missing', () => {
    const bare = config({ ca: false }).provider as typeof settings;
    expect(() => resolveProviderCaCertificate(bare, secrets({}))).toThrow(/provider\.ca is not set: .*`dbfence ca init`/);
  });

  it('refuses to hand out a certificate that is not a CA', () => {
    const server = issueServerCertificate({ ca, hostnames: ['x.example.com'], notAfter: new Date(now.getTime() + DAY), now });
    expect(() => resolveProviderCaCertificate(settings, secrets({ 'ca.crt': server.certificatePem })))
      .toThrow('provider.ca.certificate is not a CA certificate');
  });
});
