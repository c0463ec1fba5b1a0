import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyMatchesCertificate } from '../../../src/tls/certificate-info.js';
import { applyFile } from '../../../src/plan/apply.js';
import type { ApplyResult } from '../../../src/plan/types.js';
import type { PemPair } from '../../../src/tls/pem.js';
import { fetchMariadbCertificate } from '../../../src/edges/mariadb/served-certificate.js';
import type { MariadbTestServer } from '../../helpers/mariadb-server.js';
import { connectAs, envFor, HOSTNAME, integration, newCa, ordersConfig, planOnce, providerFor, startOrdersServer } from './fixtures.js';

describe('mariadb provider on a real MariaDB: edge and accounts in one plan', () => {
  const ca: PemPair = newCa();
  let server: MariadbTestServer;
  let files: { certFile: string; keyFile: string };
  let env: Record<string, string>;
  const metabase = integration('metabase', 'metabase_ro');
  const config = () => ordersConfig(files, [metabase]);
  const applyOnce = async (file = config(), allowDestructive = false): Promise<ApplyResult> => applyFile(providerFor(file, env), file, { allowDestructive });
  const served = () => fetchMariadbCertificate('127.0.0.1', server.port);

  beforeAll(async () => {
    ({ server, files } = await startOrdersServer(ca));
    env = envFor(server, ca, { METABASE_RO_PASSWORD: 'metabase first secret' });
  }, 60_000);
  afterAll(async () => { await server?.stop(); });

  it('plans the certificate first, then the accounts; applies them; a second plan is empty', async () => {
    const { changes } = await planOnce(config(), env);
    expect(changes[0]).toMatchObject({ address: 'mariadb.certificate.server', action: 'replace' });
    expect(changes.length).toBeGreaterThan(1);
    expect(changes.slice(1).every((change) => !change.address.startsWith('mariadb.certificate'))).toBe(true);

    const result = await applyOnce();
    expect(result.outcomes.filter((o) => o.status !== 'applied')).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.outcomes[0]!.change.address).toBe('mariadb.certificate.server');
    expect((await served())!.names).toEqual([HOSTNAME, '127.0.0.1']);
    expect((await planOnce(config(), env)).changes).toEqual([]);
  });

  it('lets the integration connect with full verification, host name included, and read only what it was granted', async () => {
    const connection = await connectAs(server, ca, 'metabase_ro', 'metabase first secret');
    try {
      expect(await connection.query('SELECT COUNT(*) AS n FROM orders.orders')).toEqual([{ n: 2n }]);
      await expect(connection.query('SELECT * FROM orders.users')).rejects.toThrow(/denied/);
      await expect(connection.query('DELETE FROM orders.orders')).rejects.toThrow(/denied/);
      const [cipher] = await connection.query("SHOW SESSION STATUS LIKE 'Ssl_version'") as { Value: string }[];
      expect(cipher!.Value).toMatch(/^TLSv1\.[23]$/);
    } finally {
      await connection.end();
    }
    await expect(connectAs(server, ca, 'metabase_ro', 'metabase first secret', 'other.db.test')).rejects.toThrow(/other\.db\.test|altnames|Hostname/i);
  });

  it('rotates the certificate when an endpoint hostname is added: FLUSH SSL, the new serial served, integrations still connect, then nothing to do', async () => {
    const before = (await served())!.serial;
    const open = await connectAs(server, ca, 'metabase_ro', 'metabase first secret');
    const rotated = ordersConfig(files, [metabase], [HOSTNAME, 'reports.db.test']);
    const { changes } = await planOnce(rotated, env);
    expect(changes).toMatchObject([{ address: 'mariadb.certificate.server', action: 'replace', reason: expect.stringMatching(/does not name reports\.db\.test/) }]);
    const result = await applyOnce(rotated);
    expect(result).toMatchObject({ ok: true, outcomes: [{ status: 'applied' }] });
    const after = await served();
    expect(after!.serial).not.toBe(before);
    expect(after!.names).toEqual([HOSTNAME, 'reports.db.test', '127.0.0.1']);
    const connection = await connectAs(server, ca, 'metabase_ro', 'metabase first secret', 'reports.db.test');
    await connection.end();
    // A session opened before the reload keeps its TLS.
    expect(await open.query('SELECT COUNT(*) AS n FROM orders.orders')).toEqual([{ n: 2n }]);
    await open.end();
    expect((await planOnce(rotated, env)).changes).toEqual([]);
  });

  it('serialises two applies started at once: one writes the new pair, the other finds nothing left to do, and the files stay a pair', async () => {
    const file = ordersConfig(files, [metabase], [HOSTNAME, 'reports.db.test', 'billing.db.test']);
    const results = await Promise.all([applyOnce(file), applyOnce(file)]);
    expect(results.map((result) => result.ok)).toEqual([true, true]);
    const certificateSteps = results.flatMap((result) => result.outcomes).filter((outcome) => outcome.change.address === 'mariadb.certificate.server');
    expect(certificateSteps.map((outcome) => outcome.status)).toEqual(['applied']);
    const live = (await served())!;
    expect(readFileSync(files.certFile, 'utf8')).toBe(live.pem);
    expect(keyMatchesCertificate(live.pem, readFileSync(files.keyFile, 'utf8'))).toBe(true);
    expect((await planOnce(file, env)).changes).toEqual([]);
  });

  it('refuses a disruptive change it was not told to make before changing anything, and reports it as not applied when told', async () => {
    const strict = ordersConfig(files, [metabase], [HOSTNAME, 'reports.db.test', 'billing.db.test']);
    strict.databases[0]!.endpoints![0]!.tls = { minVersion: '1.3' };
    const serial = (await served())!.serial;
    await expect(applyOnce(strict)).rejects.toThrow(/^apply refused: 1 change needs acknowledgement: mariadb\.tls\.version \(disruptive: tls_version is TLSv1\.2,TLSv1\.3, but the endpoints ask for TLSv1\.3 \(TLSv1\.3 and later\); /);
    const result = await applyOnce(strict, true);
    expect(result.ok).toBe(false);
    expect(result.outcomes).toMatchObject([{ status: 'failed', error: expect.stringMatching(/^not applied: .*set tls_version = TLSv1\.3 under \[mariadbd\] and restart the server$/) }]);
    expect((await served())!.serial).toBe(serial);
  });
});

describe('mariadb provider bootstrapping a server whose certificate another CA signed', () => {
  const ca: PemPair = newCa();
  const other: PemPair = newCa();
  let server: MariadbTestServer;
  let files: { certFile: string; keyFile: string };
  afterAll(async () => { await server?.stop(); });

  it('takes the server over from a loopback admin connection, after which a verified one works', async () => {
    ({ server, files } = await startOrdersServer(other));
    const file = ordersConfig(files, []);
    const verified = envFor(server, ca);
    await expect(planOnce(file, verified)).rejects.toThrow(/^mariadb: cannot connect to 127\.0\.0\.1:\d+ as dbfence_admin: /);

    const loopback = { ...verified, DBFENCE_MARIADB_ADMIN_URL: `${server.adminUrl}?ssl-mode=DISABLED` };
    const { changes } = await planOnce(file, loopback);
    expect(changes).toMatchObject([{ address: 'mariadb.certificate.server', reason: expect.stringMatching(/is not signed by provider\.ca/) }]);
    expect((await applyFile(providerFor(file, loopback), file, { allowDestructive: false })).ok).toBe(true);

    expect((await planOnce(file, verified)).changes).toEqual([]);
  });
});
