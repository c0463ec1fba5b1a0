import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import type { EndpointsConfig } from '../../../src/model/config.js';
import { createCa } from '../../../src/tls/ca.js';
import { isIssuedBy } from '../../../src/tls/certificate-info.js';
import { fetchServedCertificate } from '../../../src/tls/served-certificate.js';
import { type FaultProxy, startFaultProxy } from '../../helpers/pg-fault-proxy.js';
import { startTestServer, type TestServer } from '../../helpers/pg-server.js';
import {
  ADMIN_ENV, applyOnce, applyWaitsOnLock, connect, connectAs, enableTls, hbaText, integration, ordersConfig, planOnce, providerFor, seedOrders, withAdmin,
} from './fixtures.js';
import { applyFile } from '../../../src/plan/apply.js';

let server: TestServer;
let proxy: FaultProxy;
let env: Record<string, string>;
let viaProxy: Record<string, string>;

const PASSWORDS = { METABASE_RO_PASSWORD: 'metabase secret', LEGACY_RO_PASSWORD: 'legacy secret', ZETA_RO_PASSWORD: 'zeta secret' };

/** Where each run starts: metabase and legacy may connect from 127.0.0.1. */
const start = ordersConfig([integration('metabase', 'metabase_ro'), integration('legacy', 'legacy_ro')]);
/**
 * Where it goes: legacy is dropped, zeta is new, and metabase moves to a
 * source the tests never connect from, so the rules the server enforces show.
 */
const target = ordersConfig([
  integration('metabase', 'metabase_ro', {
    from: ['127.0.0.2/32'],
    grants: [{ table: 'public.orders', privileges: ['SELECT'] }, { table: 'analytics.*', privileges: ['SELECT'] }],
  }),
  integration('zeta', 'zeta_ro'),
]);

const USERS = { metabase_ro: PASSWORDS.METABASE_RO_PASSWORD, legacy_ro: PASSWORDS.LEGACY_RO_PASSWORD, zeta_ro: PASSWORDS.ZETA_RO_PASSWORD };

async function canConnect(user: keyof typeof USERS): Promise<boolean> {
  try {
    const client = await connectAs(server, user, USERS[user]);
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** What the server holds and enforces: the roles, their grants, pg_hba.conf on disk, and who gets in. */
async function observed() {
  const catalog = await withAdmin(server, async (client) => (await client.query(`
    SELECT (SELECT array_agg(format('%s login=%s %s', rolname, rolcanlogin, shobj_description(oid, 'pg_authid')) ORDER BY rolname)
              FROM pg_roles WHERE rolname LIKE '%\\_ro') AS roles,
           (SELECT array_agg(format('%s %s.%s %s', r.rolname, n.nspname, c.relname, a.privilege_type) ORDER BY 1)
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
              JOIN pg_roles r ON r.oid = a.grantee WHERE r.rolname LIKE '%\\_ro') AS tables,
           (SELECT array_agg(format('%s %s %s', r.rolname, d.datname, a.privilege_type) ORDER BY 1)
              FROM pg_database d, aclexplode(d.datacl) a JOIN pg_roles r ON r.oid = a.grantee WHERE r.rolname LIKE '%\\_ro') AS databases,
           (SELECT count(*)::int FROM pg_stat_activity s
              WHERE s.usesysid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_authid a WHERE a.oid = s.usesysid)) AS sessions_of_gone_roles`)).rows[0], 'orders');
  const admitted = Object.fromEntries(await Promise.all(Object.keys(USERS).map(async (user) => [user, await canConnect(user as keyof typeof USERS)])));
  return { ...catalog, hba: await hbaText(server), admitted };
}

/**
 * A session of legacy_ro, open while an apply drops the role. Before looking
 * at the server, `settle` lets a termination the dead run sent finish: a
 * terminated session fails its next query and then closes.
 */
async function legacySession() {
  const client = await connectAs(server, 'legacy_ro', PASSWORDS.LEGACY_RO_PASSWORD);
  // Not events.once: it would reject on the 'error' a terminated connection emits.
  const ended = new Promise((resolve) => client.once('end', resolve));
  return {
    async settle() {
      if (!(await client.query('SELECT 1').then(() => true, () => false))) await ended;
    },
    end: () => client.end().catch(() => {}),
  };
}

/** What a crashed run may leave on the server: its sessions, the apply lock, open transactions, large objects. */
async function leftovers() {
  return withAdmin(server, async (client) => (await client.query(`
    SELECT (SELECT count(*)::int FROM pg_stat_activity WHERE application_name = 'dbfence') AS sessions,
           (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory') AS advisory_locks,
           (SELECT count(*)::int FROM pg_stat_activity
              WHERE backend_type = 'client backend' AND xact_start IS NOT NULL AND pid <> pg_backend_pid()) AS open_transactions,
           (SELECT count(*)::int FROM pg_largeobject_metadata) AS large_objects`)).rows[0]);
}

/** Applies as `dbfence apply --allow-destructive` would, and says whether it had to wait for another apply. */
async function applyDirect(config: EndpointsConfig) {
  const logs: string[] = [];
  const provider = providerFor(config, env, (message) => logs.push(message));
  try {
    const result = await applyFile(provider, config, { allowDestructive: true });
    return { result, waited: logs.some((line) => line.includes('another dbfence apply is running')) };
  } finally {
    await provider.close();
  }
}

beforeAll(async () => {
  server = await startTestServer();
  await seedOrders(server);
  await enableTls(server);
  proxy = await startFaultProxy({ host: '127.0.0.1', port: server.port });
  env = { [ADMIN_ENV]: server.adminUrl, ...PASSWORDS };
  viaProxy = { ...env, [ADMIN_ENV]: server.adminUrl.replace(`:${server.port}/`, `:${proxy.port}/`) };
});

afterAll(async () => {
  await proxy?.close();
  await server?.stop();
});

describe('postgres apply killed at every statement', () => {
  it('leaves a state the next plan lists and the next apply repairs, for every N', async () => {
    expect((await applyDirect(target)).result.ok).toBe(true);
    const converged = await observed();
    expect(converged.admitted).toEqual({ metabase_ro: false, legacy_ro: false, zeta_ro: true });
    expect((await applyDirect(start)).result.ok).toBe(true);
    const opened = await legacySession();
    const untouched = await observed();
    await opened.end();
    const fullPlan = (await planOnce(target, env)).changes;

    const crashes: { n: number; planned: string[] }[] = [];
    for (let n = 1; ; n++) {
      const legacy = await legacySession();
      proxy.arm({ after: n });
      const outcome = await applyOnce(target, viaProxy, true).catch((error: unknown) => error);
      if (!proxy.cut) {
        // The apply finished before its n-th statement: every boundary has been tried.
        expect(outcome).toMatchObject({ ok: true });
        await legacy.end();
        break;
      }
      if (outcome instanceof Error) expect(outcome).toBeInstanceOf(ToolError);
      // The dead run's last statement has run once its sessions are gone; a termination it sent may still be landing.
      await proxy.settled();
      await legacy.settle();
      // The server ended the dead run's sessions: its lock, transaction and large object are gone.
      expect(await leftovers(), `after statement ${n}`).toEqual({ sessions: 0, advisory_locks: 0, open_transactions: 0, large_objects: 0 });

      const { changes } = await planOnce(target, env);
      const now = JSON.stringify(await observed());
      const planned = changes.map((c) => c.address);
      crashes.push({ n, planned });
      if (now === JSON.stringify(untouched)) {
        // Killed before it changed anything: the next run starts from where this one did.
        expect(changes, `after statement ${n}`).toEqual(fullPlan);
        await legacy.end();
        continue;
      }
      // Never "No changes" while something differs, and nothing planned once everything took effect.
      expect(changes.length === 0, `after statement ${n}: ${planned.join(', ') || 'No changes'}`).toBe(now === JSON.stringify(converged));

      const repair = await applyDirect(target);
      await legacy.settle();
      await legacy.end();
      expect(repair.result.outcomes.filter((o) => o.status !== 'applied'), `repairing after statement ${n}`).toEqual([]);
      expect(repair.waited, `the apply after statement ${n} waited for the dead one's lock`).toBe(false);
      expect((await planOnce(target, env)).changes, `plan after repairing statement ${n}`).toEqual([]);
      expect(await observed()).toEqual(converged);
      expect((await applyDirect(start)).result.ok).toBe(true);
    }
    // Among them: pg_hba.conf written and its reload never sent, which only the reload change shows.
    const unloaded = crashes.filter((crash) => crash.planned.includes('postgres.hba.reload'));
    expect(unloaded.length).toBeGreaterThan(0);
    expect(unloaded.every((crash) => !crash.planned.some((address) => /^postgres\.hba\.(?!reload$)/.test(address)))).toBe(true);
    // And DROP ROLE committed with the role's session still open, which only the sessions change shows.
    expect(crashes.filter((crash) => crash.planned.join() === 'postgres.sessions.dropped-roles')).toHaveLength(1);
    expect(crashes.length).toBeGreaterThan(20);
  }, 600_000);

  it('frees the apply lock within seconds when a run dies while its statement waits on a lock', async () => {
    const blocked = ordersConfig([...target.databases[0]!.integrations!, integration('blocked', 'blocked_ro')]);
    const secrets = { ...env, BLOCKED_RO_PASSWORD: 'blocked secret' };
    // Another session creates blocked_ro without committing: the apply's CREATE ROLE waits on it for up to 60 s.
    const holder = await connect(server.adminUrl);
    const watcher = await connect(server.adminUrl);
    try {
      await holder.query('BEGIN');
      await holder.query('CREATE ROLE blocked_ro');
      proxy.arm();
      let settled = false;
      const applying = applyOnce(blocked, { ...secrets, [ADMIN_ENV]: viaProxy[ADMIN_ENV]! })
        .catch((error: unknown) => error).finally(() => { settled = true; });
      expect(await applyWaitsOnLock(watcher, () => settled)).toBe(true);
      proxy.crash();
      await applying;
      // The waiting backend sees the connection gone (client_connection_check_interval) long before its lock_timeout.
      await proxy.settled();
      expect(await leftovers()).toMatchObject({ sessions: 0, advisory_locks: 0 });
    } finally {
      await holder.query('ROLLBACK');
      await Promise.all([holder.end(), watcher.end()]);
    }
    expect((await applyOnce(blocked, secrets, true)).ok).toBe(true);
    expect((await planOnce(blocked, secrets)).changes).toEqual([]);
  }, 45_000);
});

const APPLY_PROCESS = fileURLToPath(new URL('../../helpers/pg-apply-process.ts', import.meta.url));

/** `config` with the server certificate managed under a CA given as CA_CERT and CA_KEY. */
function withCa(config: EndpointsConfig, minVersion?: '1.3'): EndpointsConfig {
  const [database] = config.databases;
  const endpoints = database!.endpoints!.map((endpoint) => (minVersion ? { ...endpoint, tls: { minVersion } } : endpoint));
  return {
    ...config,
    provider: { kind: 'postgres', adminUrl: { fromEnv: ADMIN_ENV }, ca: { certificate: { fromEnv: 'CA_CERT' }, key: { fromEnv: 'CA_KEY' } } },
    databases: [{ ...database!, endpoints }],
  };
}

/** Runs an apply in a process of its own and SIGKILLs it as it is about to send the first statement matching `before`. */
async function killApplyBefore(before: RegExp, config: EndpointsConfig, secrets: Record<string, string>): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', APPLY_PROCESS], {
    env: { ...process.env, ...secrets, [ADMIN_ENV]: viaProxy[ADMIN_ENV]!, DBFENCE_TEST_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  proxy.arm({ before }, () => child.kill('SIGKILL'));
  const [, signal] = await once(child, 'exit');
  expect(signal, `the apply was to be killed before ${before}, but: ${output}`).toBe('SIGKILL');
  await proxy.settled();
}

describe('postgres apply killed inside the certificate step', () => {
  const windows = [
    {
      left: 'the new certificate and key are written, ssl_cert_file and ssl_key_file not yet set',
      before: /^ALTER SYSTEM/, minVersion: undefined,
      reasons: [/is not signed by provider\.ca/],
    },
    {
      left: 'the key file is rewritten, the certificate file not yet: a restart would serve no TLS',
      before: /^COPY .*dbfence-server\.crt/, minVersion: undefined,
      reasons: [/is not signed by provider\.ca/, /the key file \S+dbfence-server\.key does not belong to the certificate/],
    },
    {
      left: 'both files and ssl_min_protocol_version are written, the reload never sent',
      before: /pg_reload_conf/, minVersion: '1.3' as const,
      reasons: [/the certificate file \S+dbfence-server\.crt is not the certificate served/, /ssl_min_protocol_version is TLSv1\.2 but the endpoints ask for TLSv1\.3/],
    },
  ];

  it.each(windows)('sees and repairs what a kill leaves when $left', async ({ before, minVersion, reasons }) => {
    // A new CA each time: the served certificate is never its, so every apply issues one.
    const ca = createCa({ commonName: 'dbfence crash test CA', validityDays: 365 });
    const secrets = { ...PASSWORDS, CA_CERT: ca.certificatePem, CA_KEY: ca.keyPem };
    const config = withCa(target, minVersion);
    await killApplyBefore(before, config, secrets);
    expect(await leftovers()).toEqual({ sessions: 0, advisory_locks: 0, open_transactions: 0, large_objects: 0 });

    const { changes } = await planOnce(config, { ...env, ...secrets });
    const certificate = changes.find((change) => change.address === 'postgres.certificate.server');
    for (const reason of reasons) expect(certificate?.reason).toMatch(reason);

    const repair = await applyOnce(config, { ...env, ...secrets }, true);
    expect(repair.outcomes.filter((o) => o.status !== 'applied')).toEqual([]);
    expect((await planOnce(config, { ...env, ...secrets })).changes).toEqual([]);
    const served = await fetchServedCertificate('127.0.0.1', server.port);
    expect(served && isIssuedBy(served.pem, ca.certificatePem)).toBe(true);
  }, 120_000);

  it('sees settings written back but not reloaded, as a restore killed before its reload leaves them', async () => {
    // Reaching a restore takes a failed apply, so the kill is played by hand: the old setting written, no reload.
    const ca = createCa({ commonName: 'dbfence crash test CA', validityDays: 365 });
    const secrets = { ...env, ...PASSWORDS, CA_CERT: ca.certificatePem, CA_KEY: ca.keyPem };
    const config = withCa(target);
    expect((await applyOnce(config, secrets, true)).ok).toBe(true);
    await withAdmin(server, (client) => client.query("ALTER SYSTEM SET ssl_cert_file = 'server.crt'"));

    const [change] = (await planOnce(config, secrets)).changes;
    expect(change).toMatchObject({
      address: 'postgres.certificate.server', action: 'update',
      reason: expect.stringMatching(/^the configuration files set ssl_cert_file = server\.crt, which the next reload or restart would load instead of \S+dbfence-server\.crt$/),
    });
    expect((await applyOnce(config, secrets, true)).outcomes.map((o) => o.status)).toEqual(['applied']);
    expect((await planOnce(config, secrets)).changes).toEqual([]);
    const served = await fetchServedCertificate('127.0.0.1', server.port);
    expect(served && isIssuedBy(served.pem, ca.certificatePem)).toBe(true);
  }, 120_000);
});
