import { ToolError } from '../../errors.js';
import { type DocPath, formatPath } from '../../model/path.js';
import type { Change, ChangeDescription } from '../../plan/types.js';
import { type DesiredRole, type DesiredState, MARKER, roleOwnership } from './desired.js';
import { describeLine, desiredHbaLines, findBlock, keptLines, lineUser, renderBlock } from '../../edges/pg-hba/hba.js';
import type { LiveHba, LiveOtherGrant, LiveRole, PostgresLive, RoleOption } from './live.js';
import { ROLE_OPTIONS } from './live.js';
import { diffCertificate } from '../../edges/pg-hba/certificate.js';
import type { PasswordRef, Passwords } from './passwords.js';

/** What apply does for one change. A password is its reference in the file, read again when the statement is built. */
export type PostgresqlOperation =
  | { kind: 'create-role'; user: string; comment: string; password: PasswordRef | undefined }
  | { kind: 'alter-role'; user: string; options: Partial<Record<RoleOption, boolean>>; comment: string | undefined; password: PasswordRef | undefined }
  | { kind: 'drop-role'; user: string; oid: number; databases: string[] }
  /** `grantors` is empty before PostgreSQL 16, where a membership has no grantor to name. */
  | { kind: 'revoke-membership'; user: string; group: string; grantors: string[] }
  | { kind: 'database'; user: string; database: string; grant: string[]; revoke: string[]; grantOption: boolean }
  | { kind: 'schema'; user: string; database: string; schema: string; grant: string[]; revoke: string[]; grantOption: boolean }
  | { kind: 'relation'; user: string; database: string; schema: string; name: string; sequence: boolean; grant: string[]; revoke: string[]; grantOption: boolean }
  | { kind: 'other'; user: string; database: string; grant: LiveOtherGrant }
  | { kind: 'hba'; block: string[] }
  /** Ends the sessions of roles that no longer exist, once everything else committed. */
  | { kind: 'end-sessions'; oids: number[] }
  /** Issued, written and reloaded by the certificate part, before anything else: hostssl lines need TLS on. */
  | { kind: 'certificate' };

export type PostgresqlChange = Change<PostgresqlOperation>;

const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];

/** What `ALL` on a table means on this server: PostgreSQL 17 added MAINTAIN. */
export function tablePrivileges(version: number): string[] {
  return version >= 170000 ? [...TABLE_PRIVILEGES, 'MAINTAIN'] : TABLE_PRIVILEGES;
}

function list(items: readonly string[]): string {
  return items.join(', ');
}

function isAre(items: readonly string[]): string {
  return items.length === 1 ? 'is' : 'are';
}

interface Wanted {
  privileges: Set<string>;
  path: DocPath;
}

/** One grant compared: what to add and take away, and the words for it. */
function compare(object: string, wanted: Wanted | undefined, live: { privileges: string[]; grantable: boolean } | undefined, why: string) {
  const want = [...(wanted?.privileges ?? [])].sort();
  const have = live?.privileges ?? [];
  const grant = want.filter((p) => !have.includes(p));
  const revoke = have.filter((p) => !want.includes(p));
  const grantOption = live?.grantable ?? false;
  if (grant.length === 0 && revoke.length === 0 && !grantOption) return undefined;
  const reasons: string[] = [];
  if (grant.length > 0) reasons.push(`${list(grant)} on ${object} ${isAre(grant)} ${why} but not granted`);
  if (revoke.length > 0) reasons.push(`${list(revoke)} on ${object} ${isAre(revoke)} granted but not declared`);
  if (grantOption) reasons.push(`the grant on ${object} carries WITH GRANT OPTION, which dbfence never gives`);
  const action = have.length === 0 ? 'create' as const : want.length === 0 ? 'delete' as const : 'update' as const;
  return {
    action, grant, revoke, grantOption,
    reason: reasons.join('; '),
    before: have, after: want,
    ...(wanted && want.length > 0 ? { path: wanted.path } : {}),
  };
}

class Planner {
  readonly changes: PostgresqlChange[] = [];
  private readonly errors: string[] = [];
  private readonly wanted: Map<string, DesiredRole>;
  private readonly managed: LiveRole[];

  constructor(
    private readonly desired: DesiredState, private readonly live: PostgresLive,
    private readonly passwords: Passwords, private readonly now: Date,
  ) {
    this.wanted = new Map(desired.roles.map((role) => [role.user, role]));
    this.managed = [...live.roles.values()].filter((role) => role.managed).sort((a, b) => a.name.localeCompare(b.name));
  }

  run(): PostgresqlChange[] {
    if (this.live.certificate) {
      for (const change of diffCertificate(this.desired.config, this.live.certificate, this.now)) this.changes.push({ ...change, operation: { kind: 'certificate' } });
    }
    this.checkDatabases();
    for (const role of this.desired.roles) this.role(role);
    this.throwErrors();
    for (const role of this.desired.roles) this.memberships(role);
    this.databaseGrants();
    this.objectGrants();
    this.throwErrors();
    if (this.live.hba) this.hba(this.live.hba);
    this.drops();
    this.orphanedSessions();
    return this.changes;
  }

  private add(change: Omit<ChangeDescription, 'destructive'> & { destructive?: boolean }, operation: PostgresqlOperation): void {
    this.changes.push({ destructive: false, ...change, operation });
  }

  private throwErrors(): void {
    if (this.errors.length === 0) return;
    const shown = this.errors.slice(0, 5).join('; ');
    const more = this.errors.length > 5 ? ` (and ${this.errors.length - 5} more)` : '';
    throw new ToolError(`postgres: ${shown}${more}`);
  }

  private checkDatabases(): void {
    for (const database of this.desired.databases) {
      if (!this.live.databaseNames.has(database.name)) {
        this.errors.push(`${formatPath([...database.path, 'name'])}: database ${database.name} does not exist on the server (dbfence does not create databases)`);
      } else if (!this.live.databases.has(database.name)) {
        this.errors.push(`${formatPath([...database.path, 'name'])}: database ${database.name} does not accept connections (datallowconn is false)`);
      }
    }
  }

  private role(role: DesiredRole): void {
    const live = this.live.roles.get(role.user);
    const address = `postgres.role.${role.user}`;
    if (live && !live.managed) {
      this.errors.push(`${formatPath([...role.path, 'user'])}: role ${role.user} exists but dbfence does not manage it (it lacks the "${MARKER}" comment, or it is the admin or a built-in role); use another user, or mark the role with COMMENT ON ROLE if dbfence should take it over`);
      return;
    }
    const ownership = live ? roleOwnership(this.desired, live.comment) : 'mine';
    if (typeof ownership === 'object') {
      this.errors.push(`${formatPath([...role.path, 'user'])}: role ${role.user} belongs to ${ownership.other} on this server (its comment: "${live!.comment}"); a role is managed by one file only, so use another user, or move the integration to that file`);
      return;
    }
    const reference = this.passwords.reference(role);
    const password = reference && this.passwords.resolve(reference);
    if (!live) {
      const after = Object.fromEntries(Object.entries(ROLE_OPTIONS).map(([name, option]) => [name, option.desired]));
      this.add({
        address, resource: 'role', action: 'create',
        reason: `integration ${role.integration} needs its login role ${role.user}${password === undefined ? ' (no password declared: it cannot log in yet)' : ''}`,
        after: { ...after, password: password === undefined ? 'none' : 'from the secret' },
        path: role.path,
      }, { kind: 'create-role', user: role.user, comment: role.comment, password: reference });
      return;
    }
    const options: Partial<Record<RoleOption, boolean>> = {};
    const reasons: string[] = [];
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const [name, option] of Object.entries(ROLE_OPTIONS) as [RoleOption, (typeof ROLE_OPTIONS)[RoleOption]][]) {
      if (live.options[name] === option.desired) continue;
      options[name] = option.desired;
      before[name] = live.options[name];
      after[name] = option.desired;
      reasons.push(option.desired ? `${option.keyword} is missing` : `${option.keyword} is set but dbfence roles never have it`);
    }
    const comment = live.comment === role.comment ? undefined : role.comment;
    if (comment !== undefined) {
      reasons.push(ownership === 'unclaimed'
        ? `this file takes the role over: its comment becomes the marker of ${role.owner === undefined ? 'this file' : `owner ${role.owner}`}`
        : 'its comment does not name its integration');
      before.comment = live.comment;
      after.comment = comment;
    }
    const rotate = password !== undefined && !this.passwords.matches(live.verifier, password);
    if (rotate) {
      reasons.push('the password secret does not match the stored verifier');
      before.password = live.verifier === null ? 'none' : 'stored verifier';
      after.password = 'from the secret';
    }
    if (reasons.length === 0) return;
    this.add({
      address, resource: 'role', action: 'update', reason: reasons.join('; '), before, after, path: role.path,
    }, { kind: 'alter-role', user: role.user, options, comment, password: rotate ? reference : undefined });
  }

  private memberships(role: DesiredRole): void {
    const grantors = new Map<string, string[]>();
    for (const { group, grantor } of this.live.roles.get(role.user)?.memberOf ?? []) {
      grantors.set(group, [...(grantors.get(group) ?? []), grantor]);
    }
    for (const [group, by] of grantors) {
      this.add({
        address: `postgres.membership.${role.user}.${group}`, resource: 'membership', action: 'delete',
        reason: `${role.user} is a member of ${group}, which the file does not declare`,
        before: group,
      }, { kind: 'revoke-membership', user: role.user, group, grantors: this.live.version >= 160000 ? by : [] });
    }
  }

  private databaseGrants(): void {
    const live = new Map(this.live.databaseGrants.filter((g) => this.wanted.has(g.role)).map((g) => [`${g.role}\0${g.database}`, g]));
    for (const role of this.desired.roles) {
      const key = `${role.user}\0${role.database}`;
      this.databaseGrant(role.user, role.database, { privileges: new Set(['CONNECT']), path: role.path }, live.get(key));
      live.delete(key);
    }
    for (const grant of live.values()) this.databaseGrant(grant.role, grant.database, undefined, grant);
  }

  private databaseGrant(user: string, database: string, wanted: Wanted | undefined, live: { privileges: string[]; grantable: boolean } | undefined): void {
    const delta = compare(`database ${database}`, wanted, live, 'declared');
    if (!delta) return;
    const { grant, revoke, grantOption, ...change } = delta;
    this.add({ address: `postgres.grant.${user}.${database}.database`, resource: 'grant', ...change },
      { kind: 'database', user, database, grant, revoke, grantOption });
  }

  /** Schema and table privileges the file asks for, per database, keyed `user\0schema[\0table]`. */
  private wantedObjects(): Map<string, { schemas: Map<string, Wanted>; relations: Map<string, Wanted> }> {
    const all = tablePrivileges(this.live.version);
    const byDatabase = new Map<string, { schemas: Map<string, Wanted>; relations: Map<string, Wanted> }>();
    const sensitive = new Map(this.desired.databases.map((d) => [d.name, d.sensitive]));
    for (const role of this.desired.roles) {
      const database = this.live.databases.get(role.database);
      if (!database) continue;
      let wanted = byDatabase.get(role.database);
      if (!wanted) byDatabase.set(role.database, (wanted = { schemas: new Map(), relations: new Map() }));
      const hidden = sensitive.get(role.database) ?? new Set<string>();
      for (const grant of role.grants) {
        const tables = database.relations.get(grant.schema);
        const where = formatPath([...grant.path, 'table']);
        if (!tables) {
          this.errors.push(`${where}: schema ${grant.schema} does not exist in database ${role.database}`);
          continue;
        }
        let names: string[];
        if (grant.table === '*') {
          names = [...tables].filter((name) => !hidden.has(`${grant.schema}.${name}`)).sort();
        } else if (!tables.has(grant.table)) {
          this.errors.push(`${where}: table ${grant.schema}.${grant.table} does not exist in database ${role.database}`);
          continue;
        } else if (hidden.has(`${grant.schema}.${grant.table}`)) {
          this.errors.push(`${where}: ${grant.schema}.${grant.table} is listed as sensitive; dbfence never grants it`);
          continue;
        } else {
          names = [grant.table];
        }
        const schemaKey = `${role.user}\0${grant.schema}`;
        if (!wanted.schemas.has(schemaKey)) wanted.schemas.set(schemaKey, { privileges: new Set(['USAGE']), path: grant.path });
        const privileges = grant.privileges.flatMap((p) => (p === 'ALL' ? all : p === 'USAGE' ? [] : [p]));
        for (const name of names) {
          const key = `${schemaKey}\0${name}`;
          const entry = wanted.relations.get(key);
          if (entry) privileges.forEach((p) => entry.privileges.add(p));
          else wanted.relations.set(key, { privileges: new Set(privileges), path: grant.path });
        }
      }
    }
    return byDatabase;
  }

  private objectGrants(): void {
    const wanted = this.wantedObjects();
    const names = [...this.live.databases.keys()].sort();
    for (const databaseName of names) {
      const database = this.live.databases.get(databaseName)!;
      const want = wanted.get(databaseName) ?? { schemas: new Map(), relations: new Map() };
      const liveSchemas = new Map(database.schemaGrants.filter((g) => this.wanted.has(g.role)).map((g) => [`${g.role}\0${g.schema}`, g]));
      const liveRelations = new Map(database.relationGrants.filter((g) => this.wanted.has(g.role)).map((g) => [`${g.role}\0${g.schema}\0${g.name}`, g]));
      for (const key of new Set([...want.schemas.keys(), ...liveSchemas.keys()])) {
        const [user, schema] = key.split('\0') as [string, string];
        const delta = compare(`schema ${schema}`, want.schemas.get(key), liveSchemas.get(key), 'needed by the declared grants');
        if (!delta) continue;
        const { grant, revoke, grantOption, ...change } = delta;
        this.add({ address: `postgres.grant.${user}.${databaseName}.schema.${schema}`, resource: 'grant', ...change },
          { kind: 'schema', user, database: databaseName, schema, grant, revoke, grantOption });
      }
      for (const key of new Set([...want.relations.keys(), ...liveRelations.keys()])) {
        const [user, schema, name] = key.split('\0') as [string, string, string];
        const live = liveRelations.get(key);
        const sequence = live?.sequence ?? false;
        const delta = compare(`${sequence ? 'sequence' : 'table'} ${schema}.${name}`, want.relations.get(key), live, 'declared');
        if (!delta) continue;
        const { grant, revoke, grantOption, ...change } = delta;
        this.add({ address: `postgres.grant.${user}.${databaseName}.${sequence ? 'sequence' : 'table'}.${schema}.${name}`, resource: 'grant', ...change },
          { kind: 'relation', user, database: databaseName, schema, name, sequence, grant, revoke, grantOption });
      }
      for (const grant of database.otherGrants) {
        if (!this.wanted.has(grant.role)) continue;
        if (grant.type === 'unsupported') {
          this.errors.push(`role ${grant.role} holds privileges on ${grant.kind} ${grant.identity} in database ${databaseName}, which dbfence cannot revoke; revoke them by hand`);
          continue;
        }
        this.add({
          address: `postgres.grant.${grant.role}.${databaseName}.${grant.kind.replace(/ /g, '-')}.${grant.identity}`,
          resource: 'grant', action: 'delete',
          reason: `${grant.role} holds privileges on ${grant.kind} ${grant.identity}, which the file does not declare`,
          before: grant.identity,
        }, { kind: 'other', user: grant.role, database: databaseName, grant });
      }
    }
  }

  private hba(hba: LiveHba): void {
    const desired = desiredHbaLines(this.desired.roles);
    const block = findBlock(hba.text);
    // Lines of roles another file manages stay as they are; every other line of the block is this file's to keep or remove.
    const othersRole = (user: string) => {
      const live = this.live.roles.get(user);
      return live !== undefined && live.managed && !this.wanted.has(user) && !this.owned(live);
    };
    const liveLines = (block?.rules ?? []).filter((line) => {
      const user = lineUser(line);
      return user === undefined || !othersRole(user);
    });
    const desiredSet = new Set(desired.map((d) => d.line));
    const liveSet = new Set(liveLines);
    const byAddress = new Map<string, { add: typeof desired; remove: string[]; description: string; path: DocPath | undefined }>();
    const entry = (address: string, description: string) => {
      let found = byAddress.get(address);
      if (!found) byAddress.set(address, (found = { add: [], remove: [], description, path: undefined }));
      return found;
    };
    for (const line of desired) {
      if (liveSet.has(line.line)) continue;
      const found = entry(line.rule.address, line.rule.description);
      found.add.push(line);
      found.path ??= line.path;
    }
    for (const line of liveLines) {
      if (desiredSet.has(line)) continue;
      const rule = describeLine(line);
      entry(rule.address, rule.description).remove.push(line);
    }
    const certificatePlanned = this.changes.some((planned) => planned.operation.kind === 'certificate');
    if (desired.length > 0 && !this.live.ssl && !certificatePlanned) {
      // Caught here, the plan fails before anything changes; at apply time pg_hba_file_rules would refuse every line.
      this.errors.push('the server has ssl off, so its hostssl lines would admit nobody: give provider.ca and an endpoint hostname so dbfence issues a certificate and turns TLS on, or turn TLS on yourself');
      this.throwErrors();
    }
    const action: PostgresqlOperation = { kind: 'hba', block: renderBlock(this.desired.roles, keptLines(block, othersRole)) };
    for (const [address, found] of byAddress) {
      const kind = found.add.length === 0 ? 'delete' as const : found.remove.length === 0 ? 'create' as const : 'update' as const;
      const reason = kind === 'create' ? `declared but not in pg_hba.conf: ${found.description}`
        : kind === 'delete' ? `in pg_hba.conf but not declared: ${found.description}`
        : `pg_hba.conf differs from the file: ${found.description}`;
      this.add({
        address, resource: 'hba-rule', action: kind, reason,
        ...(found.remove.length > 0 ? { before: found.remove } : {}),
        ...(found.add.length > 0 ? { after: found.add.map((l) => l.line) } : {}),
        ...(found.path ? { path: found.path } : {}),
      }, action);
    }
    this.pendingReload(hba, action);
    if (byAddress.size > 0 || desired.length === 0) return;
    if (block && !block.aheadOfRules) {
      this.add({
        address: 'postgres.hba.block', resource: 'hba-rule', action: 'update',
        reason: 'the dbfence block of pg_hba.conf is not ahead of the other rules, so they could match first',
      }, action);
    } else if (liveLines.join('\n') !== desired.map((d) => d.line).join('\n')) {
      this.add({
        address: 'postgres.hba.block', resource: 'hba-rule', action: 'update',
        reason: 'the lines of the dbfence block of pg_hba.conf are out of order',
      }, action);
    }
  }

  /** Managed roles this file may drop or strip of pg_hba.conf lines: its own that it no longer declares. */
  private owned(role: LiveRole): boolean {
    return role.managed && roleOwnership(this.desired, role.comment) === 'mine';
  }

  /** The file on disk may not be what the server enforces: a plan that compared only the file would say "No changes". */
  private pendingReload(hba: LiveHba, action: PostgresqlOperation): void {
    const pending = hba.pendingReload;
    if (!pending) return;
    const modified = pending.modified.toISOString();
    const loaded = pending.loaded.toISOString();
    this.add({
      address: 'postgres.hba.reload', resource: 'reload', action: 'update',
      reason: `pg_hba.conf was modified at ${modified} and the server has not loaded its configuration since (last at ${loaded}), so the rules it enforces may not be the file's: reload the server configuration so pg_hba.conf takes effect`,
      before: { modified, loaded },
    }, action);
  }

  private drops(): void {
    for (const role of this.managed) {
      if (this.wanted.has(role.name) || !this.owned(role)) continue;
      this.add({
        address: `postgres.role.${role.name}`, resource: 'role', action: 'delete', destructive: true,
        reason: `role ${role.name} is managed by dbfence but no integration declares it: it is dropped, its sessions are ended, its privileges revoked and anything it owns is given to ${this.live.adminUser}`,
        before: role.comment,
      }, { kind: 'drop-role', user: role.name, oid: role.oid, databases: role.dependentDatabases });
    }
  }

  /** Not tied to a role any file names, since the role is gone: any file's plan shows them. */
  private orphanedSessions(): void {
    const sessions = this.live.orphanedSessions;
    if (sessions.length === 0) return;
    const pids = sessions.map((s) => s.pid);
    this.add({
      address: 'postgres.sessions.dropped-roles', resource: 'session', action: 'delete', disruptive: true,
      reason: `sessions of roles that no longer exist are still open (pid ${pids.join(', ')}): an apply stopped between DROP ROLE and ending the role's sessions leaves them, and they keep what PUBLIC holds until they are ended`,
      before: pids,
    }, { kind: 'end-sessions', oids: [...new Set(sessions.map((s) => s.oid))] });
  }
}

/**
 * The changes that make the server match `desired`, each with the action that
 * carries it out. Pure: reads passwords through `passwords` but changes nothing.
 * A grant on a table or schema that does not exist, or a user that exists
 * without dbfence's marker, is a ToolError: never a half-applied plan.
 */
export function planChanges(desired: DesiredState, live: PostgresLive, passwords: Passwords, now: Date): PostgresqlChange[] {
  return new Planner(desired, live, passwords, now).run();
}
