import { describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import type { EndpointsConfig } from '../../../src/model/config.js';
import { desiredState } from '../../../src/engines/postgresql/desired.js';
import { planChanges } from '../../../src/engines/postgresql/diff.js';
import { spliceBlock, renderBlock } from '../../../src/edges/pg-hba/hba.js';
import type { LiveRole, PostgresLive } from '../../../src/engines/postgresql/live.js';
import { Passwords } from '../../../src/engines/postgresql/passwords.js';
import { scramVerifier } from '../../../src/engines/postgresql/scram.js';
import { envSecretResolver } from '../../../src/providers/secrets.js';
import { integration, ordersConfig } from './fixtures.js';

const ENV = { METABASE_RO_PASSWORD: 'correct horse', FIVETRAN_RO_PASSWORD: 'battery staple' };
const HBA = '# header\nhost all all 127.0.0.1/32 scram-sha-256\n';

function liveState(overrides: Partial<PostgresLive> = {}): PostgresLive {
  return {
    server: { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' },
    version: 180000,
    adminUser: 'postgres',
    ssl: true,
    orphanedSessions: [],
    roles: new Map(),
    databaseGrants: [],
    databaseNames: new Set(['postgres', 'orders']),
    databases: new Map([['orders', {
      name: 'orders', relationGrants: [], schemaGrants: [], otherGrants: [],
      relations: new Map([
        ['public', new Set(['orders', 'line_items', 'users'])],
        ['analytics', new Set(['daily', 'weekly'])],
      ]),
    }]]),
    hba: { path: '/data/pg_hba.conf', text: HBA, errors: [], pendingReload: undefined },
    certificate: undefined,
    statementCount: 0,
    ...overrides,
  };
}

function managedRole(name: string, integrationName: string, password: string, overrides: Partial<LiveRole> = {}): LiveRole {
  return {
    oid: 20000 + name.length, name, managed: true,
    comment: `managed by dbfence: integration ${integrationName} of database orders`,
    options: { login: true, superuser: false, createdb: false, createrole: false, replication: false, bypassrls: false },
    verifier: scramVerifier(password), memberOf: [], dependentDatabases: ['orders'],
    ...overrides,
  };
}

/** The live state an apply of `config` leaves behind. */
function converged(config: EndpointsConfig): PostgresLive {
  const state = desiredState(config);
  return liveState({
    roles: new Map([['metabase_ro', managedRole('metabase_ro', 'metabase', ENV.METABASE_RO_PASSWORD)]]),
    databaseGrants: [{ database: 'orders', role: 'metabase_ro', privileges: ['CONNECT'], grantable: false }],
    databases: new Map([['orders', {
      name: 'orders',
      relationGrants: [
        { role: 'metabase_ro', schema: 'public', name: 'orders', sequence: false, privileges: ['SELECT'], grantable: false },
        { role: 'metabase_ro', schema: 'public', name: 'line_items', sequence: false, privileges: ['SELECT'], grantable: false },
      ],
      schemaGrants: [{ role: 'metabase_ro', schema: 'public', privileges: ['USAGE'], grantable: false }],
      otherGrants: [],
      relations: new Map([['public', new Set(['orders', 'line_items', 'users'])]]),
    }]]),
    hba: { path: '/data/pg_hba.conf', text: spliceBlock(HBA, renderBlock(state.roles)), errors: [], pendingReload: undefined },
  });
}

function diff(config: EndpointsConfig, live: PostgresLive, env: Record<string, string> = ENV) {
  return planChanges(desiredState(config), live, new Passwords(envSecretResolver({ env })), new Date());
}

const metabase = ordersConfig([integration('metabase', 'metabase_ro')]);

describe('postgres diff', () => {
  it('plans a role, its grants and its pg_hba.conf lines from scratch', () => {
    const changes = diff(metabase, liveState());
    expect(changes.map((c) => [c.action, c.address])).toEqual([
      ['create', 'postgres.role.metabase_ro'],
      ['create', 'postgres.grant.metabase_ro.orders.database'],
      ['create', 'postgres.grant.metabase_ro.orders.schema.public'],
      ['create', 'postgres.grant.metabase_ro.orders.table.public.orders'],
      ['create', 'postgres.grant.metabase_ro.orders.table.public.line_items'],
      ['create', 'postgres.hba.metabase_ro.127.0.0.1/32'],
      ['create', 'postgres.hba.metabase_ro.reject'],
    ]);
    expect(changes.find((c) => c.address.endsWith('public.orders'))).toMatchObject({
      reason: 'SELECT on table public.orders is declared but not granted',
      before: [], after: ['SELECT'], path: ['databases', 0, 'integrations', 0, 'grants', 0], destructive: false,
    });
    expect(changes.some((c) => c.destructive)).toBe(false);
  });

  it('has nothing to do once the server matches the file', () => {
    expect(diff(metabase, converged(metabase))).toEqual([]);
  });

  it('never puts a password into a change', () => {
    const changes = diff(metabase, liveState());
    const rotated = diff(metabase, converged(metabase), { METABASE_RO_PASSWORD: 'a new one' });
    expect(JSON.stringify([changes, rotated])).not.toMatch(/correct horse|a new one/);
  });

  it('detects a rotated secret by checking it against the stored verifier', () => {
    const changes = diff(metabase, converged(metabase), { METABASE_RO_PASSWORD: 'a new one' });
    expect(changes).toEqual([expect.objectContaining({
      address: 'postgres.role.metabase_ro', action: 'update',
      reason: 'the password secret does not match the stored verifier',
    })]);
  });

  it('revokes what was granted by hand to a managed role, and its memberships', () => {
    const live = converged(metabase);
    const orders = live.databases.get('orders')!;
    orders.relationGrants[0]!.privileges = ['INSERT', 'SELECT'];
    orders.relationGrants.push({ role: 'metabase_ro', schema: 'public', name: 'users', sequence: false, privileges: ['SELECT'], grantable: false });
    orders.otherGrants.push({ role: 'metabase_ro', kind: 'function', identity: 'public.f(integer)', type: 'object', keyword: 'ROUTINE', target: 'public.f(integer)' });
    live.roles.get('metabase_ro')!.memberOf = [{ group: 'pg_read_all_data', grantor: 'postgres' }];
    const changes = diff(metabase, live);
    expect(changes.map((c) => [c.action, c.address, c.reason])).toEqual([
      ['delete', 'postgres.membership.metabase_ro.pg_read_all_data', 'metabase_ro is a member of pg_read_all_data, which the file does not declare'],
      ['update', 'postgres.grant.metabase_ro.orders.table.public.orders', 'INSERT on table public.orders is granted but not declared'],
      ['delete', 'postgres.grant.metabase_ro.orders.table.public.users', 'SELECT on table public.users is granted but not declared'],
      ['delete', 'postgres.grant.metabase_ro.orders.function.public.f(integer)', 'metabase_ro holds privileges on function public.f(integer), which the file does not declare'],
    ]);
  });

  it('puts back role options dbfence roles must not have', () => {
    const live = converged(metabase);
    Object.assign(live.roles.get('metabase_ro')!.options, { superuser: true, login: false });
    expect(diff(metabase, live)).toEqual([expect.objectContaining({
      action: 'update', reason: 'LOGIN is missing; SUPERUSER is set but dbfence roles never have it',
      before: { login: false, superuser: true }, after: { login: true, superuser: false },
    })]);
  });

  it('drops a managed role no integration declares any more, as a destructive change', () => {
    const live = converged(metabase);
    live.roles.set('old_ro', managedRole('old_ro', 'old', 'x'));
    const drop = diff(metabase, live);
    expect(drop).toEqual([expect.objectContaining({ address: 'postgres.role.old_ro', action: 'delete', destructive: true })]);
  });

  it('grants `schema.*` on every table of the schema but the sensitive ones', () => {
    const config = ordersConfig([integration('metabase', 'metabase_ro', { grants: [{ table: 'public.*', privileges: ['SELECT'] }] })]);
    const tables = diff(config, liveState()).filter((c) => c.address.includes('.table.')).map((c) => c.address);
    expect(tables).toEqual(['postgres.grant.metabase_ro.orders.table.public.line_items', 'postgres.grant.metabase_ro.orders.table.public.orders']);
  });

  it('reads ALL as every table privilege of the server, MAINTAIN included from PostgreSQL 17', () => {
    const config = ordersConfig([integration('etl', 'etl_rw', { access: 'read-write', grants: [{ table: 'analytics.daily', privileges: ['ALL'] }] })]);
    const env = { ETL_RW_PASSWORD: 'x' };
    const after = (version: number) => diff(config, liveState({ version }), env).find((c) => c.address.endsWith('analytics.daily'))?.after;
    expect(after(180000)).toEqual(['DELETE', 'INSERT', 'MAINTAIN', 'REFERENCES', 'SELECT', 'TRIGGER', 'TRUNCATE', 'UPDATE']);
    expect(after(160000)).not.toContain('MAINTAIN');
  });

  it('stops at plan time on a table or schema that does not exist, or a sensitive table', () => {
    const config = ordersConfig([integration('metabase', 'metabase_ro', {
      grants: [{ table: 'public.nope', privileges: ['SELECT'] }, { table: 'missing.*', privileges: ['SELECT'] }],
    })]);
    expect(() => diff(config, liveState())).toThrow(ToolError);
    expect(() => diff(config, liveState())).toThrow(
      'postgres: databases[0].integrations[0].grants[0].table: table public.nope does not exist in database orders; databases[0].integrations[0].grants[1].table: schema missing does not exist in database orders',
    );
    const sensitive = ordersConfig([integration('metabase', 'metabase_ro', { grants: [{ table: 'public.users', privileges: ['SELECT'] }] })]);
    expect(() => diff(sensitive, liveState())).toThrow(/public\.users is listed as sensitive/);
  });

  it('stops at plan time when hostssl lines would meet a server with TLS off and no certificate to issue', () => {
    expect(() => diff(metabase, liveState({ ssl: false }))).toThrow(/the server has ssl off, so its hostssl lines would admit nobody/);
  });

  it('refuses to take over a role it does not manage', () => {
    const live = liveState({ roles: new Map([['metabase_ro', managedRole('metabase_ro', 'metabase', 'x', { managed: false, comment: null })]]) });
    expect(() => diff(metabase, live)).toThrow(/role metabase_ro exists but dbfence does not manage it/);
  });

  it('refuses databases of another engine and a database the server lacks', () => {
    const mysql = ordersConfig([]);
    mysql.databases[0]!.engine = 'mysql';
    expect(() => desiredState(mysql)).toThrow('databases[0].engine: database orders is mysql; the postgres provider manages only postgresql databases');
    expect(() => diff(metabase, liveState({ databaseNames: new Set(['postgres']), databases: new Map() }))).toThrow(/database orders does not exist on the server/);
  });

  it('removes pg_hba.conf lines nobody declares and moves the block back ahead of other rules', () => {
    const live = converged(metabase);
    live.hba!.text = live.hba!.text.replace('local all metabase_ro reject', 'local all metabase_ro reject\nhost all all 0.0.0.0/0 trust');
    expect(diff(metabase, live)).toEqual([expect.objectContaining({
      address: 'postgres.hba.line', action: 'delete', before: ['host all all 0.0.0.0/0 trust'],
    })]);
    const below = converged(metabase);
    below.hba!.text = `${HBA}${renderBlock(desiredState(metabase).roles).join('\n')}\n`;
    expect(diff(metabase, below)).toEqual([expect.objectContaining({ address: 'postgres.hba.block', action: 'update' })]);
  });

  it('plans a reload when pg_hba.conf changed after the server last loaded it, even though the file matches', () => {
    const live = converged(metabase);
    live.hba!.pendingReload = { modified: new Date('2026-03-01T10:00:05Z'), loaded: new Date('2026-03-01T10:00:01.250Z') };
    expect(diff(metabase, live)).toEqual([{
      address: 'postgres.hba.reload', resource: 'reload', action: 'update', destructive: false,
      reason: "pg_hba.conf was modified at 2026-03-01T10:00:05.000Z and the server has not loaded its configuration since (last at 2026-03-01T10:00:01.250Z), so the rules it enforces may not be the file's: reload the server configuration so pg_hba.conf takes effect",
      before: { modified: '2026-03-01T10:00:05.000Z', loaded: '2026-03-01T10:00:01.250Z' },
      // A reload is the swap of the block as it already is.
      operation: { kind: 'hba', block: expect.any(Array) },
    }]);
    // Alongside line changes too: the lines a plan shows as there may not be the ones enforced.
    const moved = ordersConfig([integration('metabase', 'metabase_ro', { from: ['10.1.0.0/16'] })]);
    expect(diff(moved, live).map((c) => c.address)).toEqual([
      'postgres.hba.metabase_ro.10.1.0.0/16', 'postgres.hba.metabase_ro.127.0.0.1/32', 'postgres.hba.reload',
    ]);
  });

  it('ends the sessions a dropped role left open, as a disruptive change', () => {
    const live = converged(metabase);
    live.orphanedSessions = [{ pid: 4242, oid: 16999 }, { pid: 4243, oid: 16999 }];
    expect(diff(metabase, live)).toEqual([expect.objectContaining({
      address: 'postgres.sessions.dropped-roles', resource: 'session', action: 'delete', disruptive: true, before: [4242, 4243],
      reason: "sessions of roles that no longer exist are still open (pid 4242, 4243): an apply stopped between DROP ROLE and ending the role's sessions leaves them, and they keep what PUBLIC holds until they are ended",
    })]);
  });

  it('asks for a source change as one added and one removed line', () => {
    const moved = ordersConfig([integration('metabase', 'metabase_ro', { from: ['10.1.0.0/16'] })]);
    expect(diff(moved, converged(metabase)).map((c) => [c.action, c.address])).toEqual([
      ['create', 'postgres.hba.metabase_ro.10.1.0.0/16'],
      ['delete', 'postgres.hba.metabase_ro.127.0.0.1/32'],
    ]);
  });
});
