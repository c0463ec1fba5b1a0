import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointsConfig, Integration } from '../../../src/model/config.js';
import { findBlock, keptLines } from '../../../src/edges/pg-hba/hba.js';
import { startTestServer, type TestServer } from '../../helpers/pg-server.js';
import {
  ADMIN_ENV, applyOnce, connectAs, enableTls, hbaText, integration, ordersConfig, planOnce, seedOrders, withAdmin,
} from './fixtures.js';

let server: TestServer;
let env: Record<string, string>;

/** File A: the orders database, as every file was written before owners. */
const fileA = (owner?: string) => withOwner(ordersConfig([integration('metabase', 'metabase_ro')]), owner);

const ledger = integration('ledger', 'ledger_ro', { endpoint: 'billing', grants: [{ table: 'public.invoices', privileges: ['SELECT'] }] });

/** File B: another database on the same server, from another repository. */
function fileB(integrations: Integration[] = [ledger]): EndpointsConfig {
  return {
    version: 1,
    provider: { kind: 'postgres', adminUrl: { fromEnv: ADMIN_ENV } },
    databases: [{ name: 'billing', engine: 'postgresql', integrations }],
  };
}

function withOwner(config: EndpointsConfig, owner: string | undefined): EndpointsConfig {
  if (owner !== undefined && config.provider.kind === 'postgres') config.provider.owner = owner;
  return config;
}

async function roleComments(): Promise<Record<string, string>> {
  return withAdmin(server, async (client) => Object.fromEntries((await client.query(
    "SELECT rolname, shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname LIKE '%\\_ro' ORDER BY 1",
  )).rows.map((row) => [row.rolname, row.comment])));
}

async function canLogIn(user: string, database: string): Promise<boolean> {
  const client = await connectAs(server, user, env[`${user.toUpperCase()}_PASSWORD`]!, database);
  await client.end();
  return true;
}

beforeAll(async () => {
  server = await startTestServer();
  await seedOrders(server);
  await withAdmin(server, (client) => client.query('CREATE DATABASE billing'));
  await withAdmin(server, (client) => client.query('CREATE TABLE public.invoices (id int)'), 'billing');
  await enableTls(server);
  env = {
    [ADMIN_ENV]: server.adminUrl,
    METABASE_RO_PASSWORD: 'metabase secret', LEDGER_RO_PASSWORD: 'ledger secret', LOOKER_RO_PASSWORD: 'looker secret',
  };
});

afterAll(async () => {
  await server?.stop();
});

describe('two files on one server', () => {
  it('never touch each other\'s roles or pg_hba.conf lines, and both plans are empty after both applies', async () => {
    expect((await applyOnce(fileA(), env)).ok).toBe(true);
    const b = await applyOnce(fileB(), env, true);
    expect(b.ok).toBe(true);
    expect(b.outcomes.map((o) => o.change.address).filter((address) => address.includes('metabase'))).toEqual([]);
    expect((await applyOnce(fileA(), env, true)).outcomes).toEqual([]);

    expect((await planOnce(fileA(), env)).changes).toEqual([]);
    expect((await planOnce(fileB(), env)).changes).toEqual([]);
    expect(await canLogIn('metabase_ro', 'orders')).toBe(true);
    expect(await canLogIn('ledger_ro', 'billing')).toBe(true);
    const hba = await hbaText(server);
    expect(hba).toContain('hostssl orders metabase_ro 127.0.0.1/32 scram-sha-256');
    expect(hba).toContain('hostssl billing ledger_ro 127.0.0.1/32 scram-sha-256');
    expect(hba.match(/# BEGIN dbfence/g)).toHaveLength(1);
  });

  it('keeps the other file\'s lines when one file changes its own', async () => {
    const result = await applyOnce(fileB([{ ...ledger, from: ['127.0.0.2/32'] }]), env);
    expect(result.outcomes.map((o) => [o.change.action, o.change.address])).toEqual([
      ['create', 'postgres.hba.ledger_ro.127.0.0.2/32'],
      ['delete', 'postgres.hba.ledger_ro.127.0.0.1/32'],
    ]);
    expect(await hbaText(server)).toContain('# integration metabase (database orders)\nhostssl orders metabase_ro 127.0.0.1/32 scram-sha-256');
    expect((await planOnce(fileA(), env)).changes).toEqual([]);
    expect((await applyOnce(fileB(), env)).ok).toBe(true);
  });

  it('refuses a role that another file manages, before anything changes', async () => {
    const claiming = fileB([ledger, integration('metabase', 'metabase_ro', { endpoint: 'billing', grants: [] })]);
    const message = 'postgres: databases[0].integrations[1].user: role metabase_ro belongs to the file of database orders on this server'
      + ' (its comment: "managed by dbfence: integration metabase of database orders"); a role is managed by one file only, so use another user, or move the integration to that file';
    await expect(planOnce(claiming, env)).rejects.toThrow(message);
    await expect(applyOnce(claiming, env, true)).rejects.toThrow(message);
    expect(await canLogIn('metabase_ro', 'orders')).toBe(true);
  });

  it('separates two files of one database by provider.owner', async () => {
    const looker = withOwner(ordersConfig([integration('looker', 'looker_ro')]), 'analytics');
    expect((await applyOnce(looker, env)).ok).toBe(true);
    expect((await roleComments()).looker_ro).toBe('managed by dbfence for analytics: integration looker of database orders');
    expect(await hbaText(server)).toContain('# integration looker (database orders, owner analytics)');
    // File A declares the same database without an owner: looker_ro is not its own to drop.
    expect((await planOnce(fileA(), env)).changes).toEqual([]);
    expect((await planOnce(looker, env)).changes).toEqual([]);
    await expect(planOnce(withOwner(ordersConfig([integration('looker', 'looker_ro')]), 'other'), env))
      .rejects.toThrow('role looker_ro belongs to the file with provider.owner analytics on this server');
  });

  it('moves an existing install to an owner by taking over the roles the file declares', async () => {
    const owned = fileA('shop');
    const plan = await planOnce(owned, env);
    expect(plan.changes.map((c) => [c.action, c.address, c.reason])).toEqual([
      ['update', 'postgres.role.metabase_ro', 'this file takes the role over: its comment becomes the marker of owner shop'],
    ]);
    expect((await applyOnce(owned, env)).ok).toBe(true);
    expect((await roleComments()).metabase_ro).toBe('managed by dbfence for shop: integration metabase of database orders');
    expect((await planOnce(owned, env)).changes).toEqual([]);
    expect((await planOnce(fileB(), env)).changes).toEqual([]);
    // The file without the owner no longer owns the role.
    await expect(planOnce(fileA(), env)).rejects.toThrow('role metabase_ro belongs to the file with provider.owner shop');
  });

  it('still drops its own roles, and only those', async () => {
    const result = await applyOnce(fileB([]), env, true);
    expect(result.outcomes.map((o) => [o.change.action, o.change.address])).toEqual([
      ['delete', 'postgres.hba.ledger_ro.127.0.0.1/32'],
      ['delete', 'postgres.hba.ledger_ro.reject'],
      ['delete', 'postgres.role.ledger_ro'],
    ]);
    expect(Object.keys(await roleComments())).toEqual(['looker_ro', 'metabase_ro']);
    expect(await canLogIn('metabase_ro', 'orders')).toBe(true);
    expect(await canLogIn('looker_ro', 'orders')).toBe(true);
  });
});

describe('a role handed over by hand', () => {
  it('is dropped by no file, and becomes the file\'s that declares it', async () => {
    await withAdmin(server, (client) => client.query("CREATE ROLE handed_ro LOGIN; COMMENT ON ROLE handed_ro IS 'managed by dbfence'"));
    expect((await planOnce(fileB([]), env)).changes).toEqual([]);
    const taking = fileB([integration('handed', 'handed_ro', { endpoint: 'billing', grants: [] })]);
    const plan = await planOnce(taking, { ...env, HANDED_RO_PASSWORD: 'handed secret' });
    expect(plan.changes.find((c) => c.address === 'postgres.role.handed_ro')?.reason)
      .toBe('this file takes the role over: its comment becomes the marker of this file; the password secret does not match the stored verifier');
  });
});

describe('the pg_hba.conf lines of other files', () => {
  it('are kept as they are, with the comments above them', () => {
    const block = findBlock([
      '# BEGIN dbfence: managed block',
      '# integration metabase (database orders)',
      'hostssl  orders  metabase_ro  127.0.0.1/32  scram-sha-256',
      'host all metabase_ro all reject',
      '# integration ledger (database billing)',
      'hostssl billing "ledger-ro" 10.0.0.0/8 scram-sha-256',
      'local all "ledger-ro" reject',
      '# END dbfence',
    ].join('\n'));
    expect(keptLines(block, (user) => user === 'ledger-ro')).toEqual([
      '# integration ledger (database billing)',
      'hostssl billing "ledger-ro" 10.0.0.0/8 scram-sha-256',
      'local all "ledger-ro" reject',
    ]);
  });
});
