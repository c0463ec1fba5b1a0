import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import type { EndpointsConfig } from '../../../src/model/config.js';
import { type FaultProxy, startFaultProxy } from '../../helpers/pg-fault-proxy.js';
import { startTestServer, type TestServer } from '../../helpers/pg-server.js';
import {
  ADMIN_ENV, applyOnce, connectAs, enableTls, hbaText, integration, ordersConfig, planOnce, providerFor, seedOrders, withAdmin,
} from './fixtures.js';

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

async function canConnect(user: keyof typeof USERS): Promise<boolean> {
  try {
    const client = await connectAs(server, user, USERS[user]);
    await client.end();
    return true;
  } catch {
    return false;
  }
}

const USERS = { metabase_ro: PASSWORDS.METABASE_RO_PASSWORD, legacy_ro: PASSWORDS.LEGACY_RO_PASSWORD, zeta_ro: PASSWORDS.ZETA_RO_PASSWORD };

/** What the server holds and enforces: the roles, their grants, pg_hba.conf on disk, and who gets in. */
async function observed() {
  const catalog = await withAdmin(server, async (client) => (await client.query(`
    SELECT (SELECT array_agg(format('%s login=%s %s', rolname, rolcanlogin, shobj_description(oid, 'pg_authid')) ORDER BY rolname)
              FROM pg_roles WHERE rolname LIKE '%\\_ro') AS roles,
           (SELECT array_agg(format('%s %s.%s %s', r.rolname, n.nspname, c.relname, a.privilege_type) ORDER BY 1)
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
              JOIN pg_roles r ON r.oid = a.grantee WHERE r.rolname LIKE '%\\_ro') AS tables,
           (SELECT array_agg(format('%s %s %s', r.rolname, d.datname, a.privilege_type) ORDER BY 1)
              FROM pg_database d, aclexplode(d.datacl) a JOIN pg_roles r ON r.oid = a.grantee WHERE r.rolname LIKE '%\\_ro') AS databases`)).rows[0], 'orders');
  const admitted = Object.fromEntries(await Promise.all(Object.keys(USERS).map(async (user) => [user, await canConnect(user as keyof typeof USERS)])));
  return { ...catalog, hba: await hbaText(server), admitted };
}

/** What a crashed run may leave on the server: its sessions, the apply lock, open transactions, large objects. */
async function leftovers() {
  return withAdmin(server, async (client) => (await client.query(`
    SELECT (SELECT count(*)::int FROM pg_stat_activity WHERE application_name = 'dbfence') AS sessions,
           (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory') AS advisory_locks,
           (SELECT count(*)::int FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()) AS open_transactions,
           (SELECT count(*)::int FROM pg_largeobject_metadata) AS large_objects`)).rows[0]);
}

/** Applies as `dbfence apply --allow-destructive` would, and says whether it had to wait for another apply. */
async function applyDirect(config: EndpointsConfig) {
  const logs: string[] = [];
  const provider = providerFor(config, env, (message) => logs.push(message));
  try {
    const result = await provider.apply(config, { allowDestructive: true });
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
    const untouched = await observed();
    const fullPlan = (await planOnce(target, env)).changes;

    const crashes: { n: number; planned: string[] }[] = [];
    for (let n = 1; ; n++) {
      proxy.arm({ after: n });
      const outcome = await applyOnce(target, viaProxy, true).catch((error: unknown) => error);
      if (!proxy.cut) {
        // The apply finished before its n-th statement: every boundary has been tried.
        expect(outcome).toMatchObject({ ok: true });
        break;
      }
      if (outcome instanceof Error) expect(outcome).toBeInstanceOf(ToolError);
      await proxy.settled();
      // The server ended the dead run's sessions: its lock, transaction and large object are gone.
      expect(await leftovers(), `after statement ${n}`).toEqual({ sessions: 0, advisory_locks: 0, open_transactions: 0, large_objects: 0 });

      const { changes } = await planOnce(target, env);
      const now = JSON.stringify(await observed());
      const planned = changes.map((c) => c.address);
      crashes.push({ n, planned });
      if (now === JSON.stringify(untouched)) {
        // Killed before it changed anything: the next run starts from where this one did.
        expect(changes, `after statement ${n}`).toEqual(fullPlan);
        continue;
      }
      // Never "No changes" while something differs, and nothing planned once everything took effect.
      expect(changes.length === 0, `after statement ${n}: ${planned.join(', ') || 'No changes'}`).toBe(now === JSON.stringify(converged));

      const repair = await applyDirect(target);
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
    expect(crashes.length).toBeGreaterThan(20);
  }, 600_000);
});
