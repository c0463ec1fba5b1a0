import { chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { EndpointsConfig } from '../../src/model/config.js';
import { createCa } from '../../src/tls/ca.js';
import type { PemPair } from '../../src/tls/pem.js';
import { fetchServedCertificate } from '../../src/tls/served-certificate.js';
import { issueServerCertificate } from '../../src/tls/server-certificate.js';
import { runVerify, type VerifyOptions } from '../../src/verify/run.js';
import type { VerifyResult } from '../../src/verify/types.js';
import { serverKinds, startTestServer, type TestServer } from '../helpers/pg-server.js';
import { ADMIN_ENV, applyOnce, integration, ordersConfig, seedOrders, withAdmin } from '../providers/postgres/fixtures.js';

const HOSTNAME = 'orders.db.example.com';

/** The checks that failed, by integration. */
function failed(result: VerifyResult): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const proof of result.proofs) if (!proof.ok) (out[proof.integration] ??= []).push(proof.check);
  return out;
}

async function reload(server: TestServer): Promise<void> {
  const before = await withAdmin(server, async (client) => (await client.query('SELECT pg_conf_load_time()::text AS t, pg_reload_conf()')).rows[0].t as string);
  for (let attempt = 0; ; attempt++) {
    const loaded = await withAdmin(server, async (client) => (await client.query('SELECT pg_conf_load_time() > $1::timestamptz AS loaded', [before])).rows[0].loaded as boolean);
    if (loaded) return;
    if (attempt > 400) throw new Error('the server did not reload');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Writes a file in the data directory as the server's own user, as an administrator editing it by hand would. */
function writeServerFile(server: TestServer, path: string, text: string): void {
  const owner = statSync(server.dataDir);
  writeFileSync(path, text, { mode: 0o600 });
  chownSync(path, owner.uid, owner.gid);
}

describe.each(serverKinds())('dbfence verify against PostgreSQL %s', (kind) => {
  let server: TestServer;
  let ca: PemPair;
  let env: Record<string, string>;
  let dir: string;
  let file: string;
  let config: EndpointsConfig;

  const verify = (options: Partial<VerifyOptions> = {}) => runVerify({ file, env, resolve: [`${HOSTNAME}:${server.port}:127.0.0.1`], ...options });

  beforeAll(async () => {
    server = await startTestServer(kind);
    await seedOrders(server);
    ca = createCa({ commonName: 'dbfence verify test CA', validityDays: 365 });
    const base = ordersConfig([
      integration('metabase', 'metabase_ro'),
      // Outside loopback: this machine is refused, and the admin URL proves the rest.
      integration('reporting', 'reporting_ro', { from: ['10.20.0.0/16'], grants: [{ table: 'analytics.*', privileges: ['SELECT'] }] }),
    ]);
    config = {
      ...base,
      provider: { kind: 'postgres', adminUrl: { fromEnv: ADMIN_ENV }, ca: { certificate: { fromEnv: 'CA_CERT' }, key: { fromEnv: 'CA_KEY' } } },
      databases: base.databases.map((database) => ({
        ...database,
        endpoints: [{ name: 'orders-public', exposure: 'public', hostname: HOSTNAME, port: server.port, allow: [{ cidr: '127.0.0.0/8' }] }],
      })),
    };
    env = {
      [ADMIN_ENV]: server.adminUrl, CA_CERT: ca.certificatePem, CA_KEY: ca.keyPem,
      METABASE_RO_PASSWORD: 'metabase secret 1', REPORTING_RO_PASSWORD: 'reporting secret 2',
    };
    dir = mkdtempSync(join(tmpdir(), 'dbfence-verify-'));
    file = join(dir, 'endpoints.yaml');
    writeFileSync(file, stringify(config));
    const result = await applyOnce(config, env);
    expect(result.ok).toBe(true);
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('proves every check after apply, from the client side where this machine is admitted', async () => {
    const result = await verify();
    expect(failed(result)).toEqual({});
    expect(result.summary).toEqual({ integrations: 2, proofs: 16, failed: 0 });
    const metabase = Object.fromEntries(result.proofs.filter((p) => p.integration === 'metabase').map((p) => [p.check, p.detail]));
    expect(metabase.certificate).toMatch(/verified against provider\.ca; names orders\.db\.example\.com/);
    expect(metabase['tls-required']).toMatch(/without TLS was refused/);
    expect(metabase.credentials).toMatch(/logged in as metabase_ro with the password of \$METABASE_RO_PASSWORD/);
    expect(metabase.from).toMatch(/admitted from 127\.0\.0\.1, inside from/);
    expect(metabase['grants-readable']).toMatch(/read public\.orders, public\.line_items \(no rows\) \(as metabase_ro, on its own connection\)/);
    const reporting = Object.fromEntries(result.proofs.filter((p) => p.integration === 'reporting').map((p) => [p.check, p.detail]));
    expect(reporting.from).toMatch(/refused from 127\.0\.0\.1, outside from/);
    expect(reporting['grants-readable']).toMatch(/read analytics\.daily, analytics\.weekly .*through the admin URL/);
    expect(JSON.stringify(result)).not.toMatch(/secret 1|secret 2|test-admin-password/);
  });

  it('turns only read-only red when INSERT is granted by hand on a granted table, and ungranted-denied for another table', async () => {
    await withAdmin(server, (client) => client.query('GRANT INSERT ON public.orders TO metabase_ro; GRANT SELECT ON public.refunds TO reporting_ro'), 'orders');
    const result = await verify();
    expect(failed(result)).toEqual({ metabase: ['read-only'], reporting: ['ungranted-denied'] });
    expect(result.proofs.find((p) => p.integration === 'metabase' && p.check === 'read-only')?.detail).toMatch(/public\.orders: holds INSERT/);
    expect((await applyOnce(config, env)).ok).toBe(true);
    expect(failed(await verify())).toEqual({});
  });

  it('turns from red when a trust line for 0.0.0.0/0 sits above the block (and the plain and passwordless logins it admits)', async () => {
    const path = join(server.dataDir, 'pg_hba.conf');
    const before = readFileSync(path, 'utf8');
    writeServerFile(server, path, `host all all 0.0.0.0/0 trust\n${before}`);
    await reload(server);
    try {
      const result = await verify();
      // The line admits this machine without TLS and without a password: those proofs fail with it, truthfully.
      expect(failed(result)).toEqual({
        metabase: ['tls-required', 'credentials', 'from'],
        reporting: ['tls-required', 'credentials', 'from'],
      });
      expect(result.proofs.find((p) => p.integration === 'metabase' && p.check === 'from')?.detail)
        .toMatch(/pg_hba\.conf line 1 \(host all all 0\.0\.0\.0\/0 trust\) lets metabase_ro connect to orders from outside from/);
    } finally {
      writeServerFile(server, path, before);
      await reload(server);
    }
    expect(failed(await verify())).toEqual({});
  });

  it('turns only certificate red when the served certificate does not name the hostname', async () => {
    const crt = join(server.dataDir, 'dbfence-server.crt');
    const key = join(server.dataDir, 'dbfence-server.key');
    const saved = { crt: readFileSync(crt, 'utf8'), key: readFileSync(key, 'utf8') };
    const other = issueServerCertificate({ ca, hostnames: ['other.example.com'], notAfter: new Date(Date.now() + 86_400_000 * 200) });
    writeServerFile(server, crt, other.certificatePem);
    writeServerFile(server, key, other.keyPem);
    await reload(server);
    try {
      expect((await fetchServedCertificate('127.0.0.1', server.port))?.names).toEqual(['other.example.com']);
      const result = await verify();
      expect(failed(result)).toEqual({ metabase: ['certificate'], reporting: ['certificate'] });
      expect(result.proofs[0]?.detail).toMatch(/does not name orders\.db\.example\.com/);
      expect(result.proofs.find((p) => p.check === 'credentials')?.detail).toMatch(/verifier .* matches .*through the admin URL: it cannot log in/);
    } finally {
      writeServerFile(server, crt, saved.crt);
      writeServerFile(server, key, saved.key);
      await reload(server);
    }
  });

  it('turns only certificate red when the certificate expires within renewBefore', async () => {
    // Apply issued it for 90 days; 70 days on, it has 20 left, within the default renewBefore of 30.
    const result = await verify({ now: new Date(Date.now() + 70 * 86_400_000) });
    expect(failed(result)).toEqual({ metabase: ['certificate'], reporting: ['certificate'] });
    expect(result.proofs[0]?.detail).toMatch(/within renewBefore \(30d\)/);
  });

  it('turns only credentials red when a password is changed by hand', async () => {
    await withAdmin(server, (client) => client.query("ALTER ROLE metabase_ro PASSWORD 'changed by hand'"));
    const result = await verify();
    expect(failed(result)).toEqual({ metabase: ['credentials'] });
    expect(result.proofs.find((p) => p.check === 'credentials')?.detail).toMatch(/rejects the password of \$METABASE_RO_PASSWORD/);
    expect((await applyOnce(config, env)).ok).toBe(true);
    expect(failed(await verify())).toEqual({});
  });

  it('fails every proof of an integration that was never applied, and no other', async () => {
    const ghostFile = join(dir, 'with-ghost.yaml');
    const [database] = config.databases;
    writeFileSync(ghostFile, stringify({ ...config, databases: [{ ...database, integrations: [...database!.integrations!, integration('ghost', 'ghost_ro')] }] }));
    const result = await verify({ file: ghostFile, env: { ...env, GHOST_RO_PASSWORD: 'ghost secret' } });
    expect(failed(result)).toEqual({ ghost: ['tls-required', 'credentials', 'from', 'grants-readable', 'ungranted-denied', 'read-only', 'sensitive-denied'] });
    expect(result.proofs.find((p) => p.integration === 'ghost' && p.check === 'grants-readable')?.detail).toMatch(/the server has no role ghost_ro/);
  });

  it('does not prove a schema.* grant vacuously when the schema is missing', async () => {
    const other = join(dir, 'missing-schema.yaml');
    const [database] = config.databases;
    const [metabase, reporting] = database!.integrations!;
    const grants = [...metabase!.grants!, { table: 'nosuch.*', privileges: ['SELECT' as const] }];
    writeFileSync(other, stringify({ ...config, databases: [{ ...database, integrations: [{ ...metabase, grants }, reporting] }] }));
    const result = await verify({ file: other });
    expect(failed(result)).toEqual({ metabase: ['grants-readable'] });
    expect(result.proofs.find((p) => p.check === 'grants-readable')?.detail).toMatch(/^schema nosuch does not exist/);
  });

  it('without the admin URL, says what it could not prove for an integration this machine may not log in as', async () => {
    const result = await verify({ clientOnly: true });
    expect(failed(result)).toEqual({ reporting: ['credentials', 'grants-readable', 'ungranted-denied', 'read-only', 'sensitive-denied'] });
    expect(result.proofs.find((p) => p.integration === 'reporting' && p.check === 'from')?.detail).toMatch(/refused from 127\.0\.0\.1, outside from; pg_hba\.conf not read/);
  });
});
