import { chownSync, copyFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Connection, createConnection } from 'mariadb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchMariadbCertificate } from '../../../src/edges/mariadb/served-certificate.js';
import {
  CERTIFICATE_ADDRESS, inspectTls, type MariadbSql, type MariadbTlsLive, type TlsApplyContext, tlsChanges, tlsNotices, tlsSteps, TLS_VERSION_ADDRESS,
} from '../../../src/edges/mariadb/tls.js';
import { runSteps } from '../../../src/plan/runner.js';
import type { Change, ChangeOutcome } from '../../../src/plan/types.js';
import type { EndpointsConfig, MariadbProviderSettings } from '../../../src/model/config.js';
import { createCa } from '../../../src/tls/ca.js';
import type { PemPair } from '../../../src/tls/pem.js';
import { startMariadbServer, type MariadbTestServer } from '../../helpers/mariadb-server.js';

const ca = createCa({ commonName: 'dbfence MariaDB edge CA', validityDays: 365 });
const asRoot = process.getuid?.() === 0;

function fileFor(settings: MariadbProviderSettings, hostnames: string[], minVersion?: '1.2' | '1.3'): EndpointsConfig {
  return {
    version: 1,
    provider: settings,
    databases: [{
      name: 'orders', engine: 'mariadb',
      endpoints: hostnames.map((hostname, i) => ({
        name: `orders-${i}`, exposure: 'public' as const, hostname, ...(minVersion ? { tls: { minVersion } } : {}), allow: [{ cidr: '127.0.0.1/32' }],
      })),
    }],
  };
}

/**
 * The edge's SQL on a driver connection. As `mysql`, it stands for a MySQL
 * server: the statements are recorded, and MySQL's reload runs as MariaDB's.
 */
function edgeSql(connection: Connection, kind: 'mariadb' | 'mysql' = 'mariadb', sent: string[] = []): MariadbSql {
  return {
    dialect: async () => ({ kind }),
    query: (statement) => {
      sent.push(statement);
      return connection.query(kind === 'mysql' && statement === 'ALTER INSTANCE RELOAD TLS' ? 'FLUSH SSL' : statement);
    },
  };
}

/** The edge's changes through the runner, as an apply runs them, on `sql`. */
async function applyTls(
  config: EndpointsConfig, live: MariadbTlsLive, changes: readonly Change[], { sql, ...context }: Omit<TlsApplyContext, 'withSql'> & { sql: MariadbSql },
): Promise<ChangeOutcome[]> {
  return (await runSteps(changes, tlsSteps(config, live, changes, { ...context, withSql: (use) => use(sql) }))).outcomes;
}

async function adminConnection(server: MariadbTestServer): Promise<Connection> {
  const url = new URL(server.adminUrl);
  return createConnection({ host: url.hostname, port: Number(url.port), user: url.username, password: decodeURIComponent(url.password), connectTimeout: 5_000 });
}

describe('the mariadb edge on a real MariaDB: the server certificate and TLS settings', () => {
  let server: MariadbTestServer;
  let sql: Connection;
  let settings: MariadbProviderSettings;
  const address = () => ({ host: '127.0.0.1', port: server.port });
  const context = (pair: PemPair = ca) => ({ sql: edgeSql(sql), ca: () => pair, now: new Date(), log: () => {} });
  const inspect = (s = settings) => inspectTls(edgeSql(sql), address(), s, ca.certificatePem);

  beforeAll(async () => {
    server = await startMariadbServer({ tls: { ca, hostnames: ['127.0.0.1'] } });
    sql = await adminConnection(server);
    const [loaded] = await sql.query('SELECT @@ssl_cert AS cert, @@ssl_key AS keyfile') as { cert: string; keyfile: string }[];
    settings = {
      kind: 'mariadb', adminUrl: { fromEnv: 'MARIADB_ADMIN_URL' },
      ca: { certificate: { fromEnv: 'CA_CERT' }, key: { fromEnv: 'CA_KEY' } },
      serverCertificate: { certFile: loaded!.cert, keyFile: loaded!.keyfile },
    };
  }, 60_000);
  afterAll(async () => {
    await sql?.end();
    await server?.stop();
  });

  it('reads what the server loads and serves, and reports plain-TCP logins while require_secure_transport is OFF', async () => {
    const live = await inspect();
    expect(live).toMatchObject({
      sslCert: settings.serverCertificate!.certFile, protocols: ['TLSv1.2', 'TLSv1.3'], requireSecureTransport: false, servedByCa: true,
      files: { keyMatches: true },
    });
    expect(live.files!.onDisk!.serial).toBe(live.served!.serial);
    const config = fileFor(settings, ['db.test']);
    expect(tlsNotices(config, live, new Date()).map((n) => n.ruleId).sort()).toEqual(['certificate-expiry', 'certificate-expiry', 'plaintext-logins']);
    await sql.query('SET GLOBAL require_secure_transport = ON');
    try {
      expect(tlsNotices(config, await inspect(), new Date()).map((n) => n.ruleId)).not.toContain('plaintext-logins');
    } finally {
      await sql.query('SET GLOBAL require_secure_transport = OFF');
    }
  });

  it('issues a certificate for the endpoint names and the admin URL\'s host, writes it over the files, loads it with FLUSH SSL and serves it; then plans nothing', async () => {
    const config = fileFor(settings, ['db.test']);
    const before = await inspect();
    const changes = tlsChanges(config, before, new Date());
    expect(changes).toMatchObject([{ address: CERTIFICATE_ADDRESS, action: 'replace', destructive: false, reason: expect.stringMatching(/does not name db\.test.*within renewBefore/) }]);
    expect(changes[0]!.disruptive).toBeUndefined();
    const keyOwner = statSync(settings.serverCertificate!.keyFile);

    const outcomes = await applyTls(config, before, changes, context());
    expect(outcomes).toEqual([{ change: changes[0], status: 'applied' }]);

    const served = await fetchMariadbCertificate('127.0.0.1', server.port, { ca: ca.certificatePem, servername: 'db.test' });
    expect(served?.serial).not.toBe(before.served!.serial);
    expect(served?.chainError).toBeUndefined();
    expect(served?.names).toEqual(['db.test', '127.0.0.1']);
    const key = statSync(settings.serverCertificate!.keyFile);
    expect(key.mode & 0o777).toBe(0o600);
    expect([key.uid, key.gid]).toEqual([keyOwner.uid, keyOwner.gid]);
    expect(readFileSync(settings.serverCertificate!.certFile, 'utf8')).toBe(served!.pem);
    expect(tlsChanges(config, await inspect(), new Date())).toEqual([]);
  });

  it('rotates: a new endpoint hostname gets a new certificate, served at once', async () => {
    const before = await inspect();
    const config = fileFor(settings, ['db.test', 'orders.db.test']);
    const changes = tlsChanges(config, before, new Date());
    expect(changes.map((c) => c.reason)).toEqual([expect.stringMatching(/does not name orders\.db\.test/)]);
    expect((await applyTls(config, before, changes, context()))[0]!.status).toBe('applied');
    const after = await inspect();
    expect(after.served!.serial).not.toBe(before.served!.serial);
    expect(after.served!.names).toContain('orders.db.test');
    expect(tlsChanges(config, after, new Date())).toEqual([]);
  });

  it('reloads a MySQL server with ALTER INSTANCE RELOAD TLS', async () => {
    const sent: string[] = [];
    const mysql = edgeSql(sql, 'mysql', sent);
    const before = await inspectTls(mysql, address(), settings, ca.certificatePem);
    expect(before.server).toBe('mysql');
    const config = fileFor(settings, ['db.test', 'orders.db.test', 'mysql.db.test']);
    const outcomes = await applyTls(config, before, tlsChanges(config, before, new Date()), { ...context(), sql: mysql });
    expect(outcomes.map((o) => o.status)).toEqual(['applied']);
    expect(sent).toContain('ALTER INSTANCE RELOAD TLS');
    expect(sent).not.toContain('FLUSH SSL');
    expect((await inspect()).served!.names).toContain('mysql.db.test');
  });

  it('puts the old files back when the server does not load the new pair, and says why', async () => {
    // Files the server does not load: what a wrong mount looks like.
    const elsewhere = mkdtempSync(join(tmpdir(), 'dbfence-mariadb-elsewhere-'));
    const files = { certFile: join(elsewhere, 'server.crt'), keyFile: join(elsewhere, 'server.key') };
    copyFileSync(settings.serverCertificate!.certFile, files.certFile);
    copyFileSync(settings.serverCertificate!.keyFile, files.keyFile);
    const wrong: MariadbProviderSettings = { ...settings, serverCertificate: files };
    const config = fileFor(wrong, ['db.test', '127.0.0.1', 'other.db.test']);
    const before = await inspect(wrong);
    const outcomes = await applyTls(config, before, tlsChanges(config, before, new Date()), context());
    expect(outcomes[0]).toMatchObject({ status: 'failed' });
    expect(outcomes[0]!.error).toMatch(new RegExp(`did not load the new certificate .* with FLUSH SSL: it still serves serial ${before.served!.serial}; the server loads .*: are provider.serverCertificate's .* those files\\?; the previous files were put back and serial ${before.served!.serial} is still served$`));
    expect(readFileSync(files.certFile, 'utf8')).toBe(readFileSync(settings.serverCertificate!.certFile, 'utf8'));
    expect(readFileSync(files.keyFile, 'utf8')).toBe(readFileSync(settings.serverCertificate!.keyFile, 'utf8'));
  });

  it('says so when the files are not on this machine, as on a runner that is not the database host', async () => {
    const away: MariadbProviderSettings = { ...settings, serverCertificate: { certFile: '/nonexistent/server.crt', keyFile: '/nonexistent/server.key' } };
    const live = await inspect(away);
    expect(live.files).toMatchObject({ certExists: false, keyMatches: false });
    const config = fileFor(away, ['db.test', '127.0.0.1', 'orders.db.test']);
    expect(tlsChanges(config, live, new Date())).toMatchObject([{
      reason: expect.stringMatching(/^the certificate file \/nonexistent\/server\.crt does not exist here: dbfence writes the server's files where it runs, so run it on the database host or with their folder mounted$/),
      path: ['provider', 'serverCertificate', 'certFile'],
    }]);
  });

  it.skipIf(!asRoot)('keeps serving the old certificate when FLUSH SSL cannot read the new key, and leaves the old pair on disk', async () => {
    const { keyFile, certFile } = settings.serverCertificate!;
    const [oldCert, oldKey] = [readFileSync(certFile, 'utf8'), readFileSync(keyFile, 'utf8')];
    const owner = statSync(keyFile);
    // The new key takes the old key's owner: root's, which the server's user cannot read.
    chownSync(keyFile, 0, 0);
    try {
      const config = fileFor(settings, ['db.test', '127.0.0.1', 'third.db.test']);
      const before = await inspect();
      const [outcome] = await applyTls(config, before, tlsChanges(config, before, new Date()), context());
      expect(outcome!.status).toBe('failed');
      expect(outcome!.error).toMatch(/^FLUSH SSL failed: Failed to refresh SSL, error: Unable to get private key \(error 1105\); the previous files were put back; reloading them failed too: FLUSH SSL failed: .* \(error 1105\) and serial [0-9A-F]+ is still served$/);
      expect((await inspect()).served!.serial).toBe(before.served!.serial);
      expect([readFileSync(certFile, 'utf8'), readFileSync(keyFile, 'utf8')]).toEqual([oldCert, oldKey]);
    } finally {
      chownSync(keyFile, owner.uid, owner.gid);
    }
  });

  it('shows a tls_version the endpoints do not ask for as a disruptive change it cannot make, and says what to set', async () => {
    const config = fileFor(settings, ['db.test', '127.0.0.1', 'orders.db.test'], '1.3');
    const live = await inspect();
    const changes = tlsChanges(config, live, new Date());
    expect(changes).toMatchObject([{
      address: TLS_VERSION_ADDRESS, disruptive: true, destructive: false, path: ['databases', 0, 'endpoints', 0, 'tls', 'minVersion'],
      before: { tls_version: 'TLSv1.2,TLSv1.3' }, after: { tls_version: 'TLSv1.3' },
    }]);
    expect(changes[0]!.reason).toMatch(/set tls_version = TLSv1\.3 under \[mariadbd\] and restart the server$/);
    const outcomes = await applyTls(config, live, changes, context());
    expect(outcomes).toMatchObject([{ status: 'failed', error: expect.stringMatching(/^not applied: tls_version is TLSv1\.2,TLSv1\.3, but the endpoints ask for TLSv1\.3 \(TLSv1\.3 and later\); /) }]);
  });
});

describe('the mariadb edge on a MariaDB started without TLS', () => {
  let server: MariadbTestServer;
  let sql: Connection;
  beforeAll(async () => {
    server = await startMariadbServer();
    sql = await adminConnection(server);
  }, 60_000);
  afterAll(async () => {
    await sql?.end();
    await server?.stop();
  });

  it('plans the certificate as a disruptive change it cannot make: TLS needs the files in the configuration and a restart', async () => {
    const folder = dirname(server.dataDir);
    const settings: MariadbProviderSettings = {
      kind: 'mariadb', adminUrl: { fromEnv: 'MARIADB_ADMIN_URL' },
      ca: { certificate: { fromEnv: 'CA_CERT' }, key: { fromEnv: 'CA_KEY' } },
      serverCertificate: { certFile: join(folder, 'server.crt'), keyFile: join(folder, 'server.key') },
    };
    const live: MariadbTlsLive = await inspectTls(edgeSql(sql), { host: '127.0.0.1', port: server.port }, settings, ca.certificatePem);
    expect(live).toMatchObject({ served: undefined, sslCert: '', files: { onDisk: undefined, keyMatches: false } });
    const config = fileFor(settings, ['db.test']);
    const changes = tlsChanges(config, live, new Date());
    expect(changes).toMatchObject([{ address: CERTIFICATE_ADDRESS, action: 'create', disruptive: true }]);
    expect(changes[0]!.reason).toMatch(/^the server offers no TLS; dbfence cannot turn TLS on in a running server .*set ssl_cert = .*server\.crt and ssl_key = .*server\.key under \[mariadbd\], restart the server, then apply again$/);
    const outcomes = await applyTls(config, live, changes, { sql: edgeSql(sql), ca: () => ca, now: new Date(), log: () => {} });
    expect(outcomes).toMatchObject([{ status: 'failed', error: expect.stringMatching(/^not applied: dbfence cannot turn TLS on/) }]);
  });
});
