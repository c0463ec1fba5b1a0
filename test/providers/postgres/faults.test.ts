import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import type { ApplyResult } from '../../../src/plan/types.js';
import { freePort, startTestServer, type TestServer } from '../../helpers/pg-server.js';
import {
  ADMIN_ENV, applyOnce, applyWaitsOnLock, connect, enableTls, hbaText, integration, ordersConfig, planOnce, providerFor, seedOrders, withAdmin,
} from './fixtures.js';
import { applyFile } from '../../../src/plan/apply.js';

let server: TestServer;
let env: Record<string, string>;

const config = ordersConfig([integration('metabase', 'metabase_ro'), integration('zeta', 'zeta_ro')]);

/** What an apply could have touched: roles, grants to them and pg_hba.conf. */
async function footprint() {
  const catalog = await withAdmin(server, async (client) => (await client.query(`
    SELECT (SELECT array_agg(rolname::text ORDER BY rolname) FROM pg_roles WHERE rolname LIKE '%\\_ro') AS roles,
           (SELECT count(*)::int FROM pg_class c, aclexplode(c.relacl) a JOIN pg_roles r ON r.oid = a.grantee
             WHERE r.rolname LIKE '%\\_ro') AS grants`)).rows[0], 'orders');
  return { ...catalog, hba: await hbaText(server) };
}

function failures(result: ApplyResult) {
  return result.outcomes.filter((o) => o.status === 'failed').map((o) => [o.change.address, o.error]);
}

/** Turns the server's TLS off or on, and waits until new connections see it. */
async function setSsl(on: boolean): Promise<void> {
  await withAdmin(server, async (client) => {
    await client.query(`ALTER SYSTEM SET ssl = ${on ? 'on' : 'off'}`);
    await client.query('SELECT pg_reload_conf()');
  });
  for (;;) {
    const value = await withAdmin(server, async (client) => (await client.query("SELECT current_setting('ssl') AS ssl")).rows[0].ssl);
    if (value === (on ? 'on' : 'off')) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(async () => {
  server = await startTestServer();
  await seedOrders(server);
  await enableTls(server);
  env = { [ADMIN_ENV]: server.adminUrl, METABASE_RO_PASSWORD: 'metabase secret', ZETA_RO_PASSWORD: 'zeta secret' };
});

afterAll(async () => {
  await server?.stop();
});

describe('postgres apply when things go wrong', () => {
  it('puts pg_hba.conf back and rolls the SQL back when PostgreSQL rejects a line', async () => {
    // The plan refuses hostssl lines on a server with TLS off, so TLS goes off after the plan, while the
    // apply waits on a lock: then every hostssl line it writes is in error.
    const before = await footprint();
    const holder = await connect(server.adminUrl);
    const watcher = await connect(server.adminUrl);
    let result: ApplyResult;
    try {
      await holder.query('BEGIN');
      await holder.query('CREATE ROLE zeta_ro');
      let settled = false;
      const applying = applyOnce(config, env).finally(() => { settled = true; });
      expect(await applyWaitsOnLock(watcher, () => settled)).toBe(true);
      await setSsl(false);
      await holder.query('ROLLBACK');
      result = await applying;
    } finally {
      await Promise.all([holder.end(), watcher.end()]);
      await setSsl(true);
    }
    expect(result.ok).toBe(false);
    expect(failures(result)[0]).toEqual([
      'postgres.hba.metabase_ro.127.0.0.1/32',
      expect.stringMatching(/^PostgreSQL rejects the new pg_hba.conf \(line \d+ "hostssl orders metabase_ro 127.0.0.1\/32 scram-sha-256": hostssl record cannot match because SSL is disabled.*\); the previous pg_hba.conf was put back$/),
    ]);
    expect(result.outcomes.find((o) => o.change.address === 'postgres.role.metabase_ro')?.status).toBe('rolled-back');
    expect(await footprint()).toEqual(before);
    expect(before.roles).toBeNull();
  });

  it('leaves the database as it was when its connection is killed mid-apply', async () => {
    const before = await footprint();
    // Another session creates zeta_ro without committing: the apply's CREATE ROLE waits for it.
    const holder = await connect(server.adminUrl);
    // Its own connection: inside the holder's transaction pg_stat_activity would stay the snapshot of the first read.
    const watcher = await connect(server.adminUrl);
    let result: ApplyResult;
    try {
      await holder.query('BEGIN');
      await holder.query('CREATE ROLE zeta_ro');
      let settled = false;
      const applying = applyOnce(config, env).finally(() => { settled = true; });
      let killed = false;
      if (await applyWaitsOnLock(watcher, () => settled)) {
        const { rows } = await watcher.query(`SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
          WHERE application_name = 'dbfence' AND wait_event_type = 'Lock'`);
        killed = rows.length > 0;
      }
      result = await applying;
      expect(killed).toBe(true);
    } finally {
      await holder.query('ROLLBACK');
      await Promise.all([holder.end(), watcher.end()]);
    }
    expect(result.ok).toBe(false);
    expect(result.outcomes.every((o) => o.status === 'failed' || o.status === 'rolled-back')).toBe(true);
    expect(failures(result)[0]?.[1]).toMatch(/terminating connection due to administrator command|Connection terminated/);
    expect(await footprint()).toEqual(before);
  });

  it('runs two applies at once one after the other: the second finds nothing to do', async () => {
    const logs: string[] = [];
    const [a, b] = await Promise.all([
      applyFile(providerFor(config, env, (m) => logs.push(m)), config, { allowDestructive: false }),
      applyFile(providerFor(config, env, (m) => logs.push(m)), config, { allowDestructive: false }),
    ]);
    expect(a.ok && b.ok).toBe(true);
    expect([a.outcomes.length, b.outcomes.length].sort((x, y) => x - y)).toEqual([0, 14]);
    expect(logs).toContain('postgres: another dbfence apply is running; waiting for it to finish');
    const after = await footprint();
    expect(after.roles).toEqual(['metabase_ro', 'zeta_ro']);
    expect(after.hba.match(/# BEGIN dbfence/g)).toHaveLength(1);
  });

  it('stops at plan time, before any change, on a table that does not exist', async () => {
    const before = await footprint();
    const broken = ordersConfig([integration('metabase', 'metabase_ro', { grants: [{ table: 'public.ordres', privileges: ['SELECT'] }] })]);
    await expect(applyOnce(broken, env)).rejects.toThrow(new ToolError(
      'postgres: databases[0].integrations[0].grants[0].table: table public.ordres does not exist in database orders',
    ));
    expect(await footprint()).toEqual(before);
  });

  it('reports a missing secret as one ToolError naming the reference', async () => {
    const { [ADMIN_ENV]: _, ...noAdmin } = env;
    await expect(providerFor(config, noAdmin).inspect([config])).rejects.toThrow(
      new ToolError('provider.adminUrl: the environment variable DBFENCE_PG_ADMIN_URL is not set'),
    );
    const { ZETA_RO_PASSWORD: __, ...noPassword } = env;
    await expect(applyOnce(config, noPassword)).rejects.toThrow(
      new ToolError('databases[0].integrations[1].credentials.password: the environment variable ZETA_RO_PASSWORD is not set'),
    );
  });

  it('plans a reload for a pg_hba.conf dated in the future, and its apply does not hang', async () => {
    expect((await applyOnce(config, env)).ok).toBe(true);
    const path = join(server.dataDir, 'pg_hba.conf');
    utimesSync(path, new Date(), new Date(Date.now() + 3_600_000));
    try {
      const { changes } = await planOnce(config, env);
      expect(changes.map((c) => c.address)).toEqual(['postgres.hba.reload']);
      // The reload cannot make the server look newer than the file: the plan keeps saying so, the apply returns.
      const result = await applyOnce(config, env);
      expect(result.outcomes.map((o) => [o.change.address, o.status])).toEqual([['postgres.hba.reload', 'applied']]);
      expect((await planOnce(config, env)).changes.map((c) => c.address)).toEqual(['postgres.hba.reload']);
    } finally {
      utimesSync(path, new Date(), new Date(Date.now() - 5_000));
    }
    expect((await applyOnce(config, env)).ok).toBe(true);
    expect((await planOnce(config, env)).changes).toEqual([]);
  });

  it('reports an unreachable server as one ToolError without the password', async () => {
    const port = await freePort();
    const unreachable = { ...env, [ADMIN_ENV]: `postgres://postgres:hunter2@127.0.0.1:${port}/postgres` };
    const error = await providerFor(config, unreachable).inspect([config]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as Error).message).toMatch(new RegExp(`^postgres: cannot connect to 127.0.0.1:${port} \\(database postgres\\) as postgres: .*ECONNREFUSED`));
    expect((error as Error).message).not.toContain('hunter2');
  });
});
