import { ToolError } from '../../errors.js';
import { type DocPath, formatPath } from '../../model/path.js';
import { type AccountOwnership, accountOwnership } from '../../plan/accounts.js';
import type { Change, ChangeDescription } from '../../plan/types.js';
import type { PasswordRef } from '../../providers/types.js';
import type { DesiredGrant, DesiredUser, MariadbDesiredState } from './desired.js';
import { admits } from './hosts.js';
import type { LiveAccount, LivePrivilege, LiveSession, MariadbLive, OwnershipRecord } from './live.js';
import { isPlugin, type PasswordCheck, passwordMatches, type Plugin } from './passwords.js';
import { databasePattern, ident } from './sql.js';

/** A row of dbfence.accounts as this file writes it. */
export interface Claim {
  user: string;
  host: string;
  integration: string;
  database: string;
  owner: string | null;
}

/** A password an account is given: the plugin, and the secret as the file references it; the authentication string is computed when the statement is built. */
export interface Auth {
  plugin: Plugin;
  password: PasswordRef;
}

/** What apply does for one change. A password is its reference, read again when the statement is built. */
export type MariadbOperation =
  | { kind: 'create-account'; claim: Claim; auth: Auth | undefined; unlock: boolean }
  | { kind: 'alter-account'; user: string; host: string; claim: Claim | undefined; requireSsl: boolean; lock: boolean | undefined; auth: Auth | undefined }
  /** Privileges on one object, `on` as a GRANT names it: `` `db`.`table` ``, or `` `my\_db`.* `` for a whole database. */
  | { kind: 'grant'; user: string; host: string; on: string; grant: string[]; revoke: string[]; grantOption: boolean }
  /** A privilege of another kind (global, column, routine, role, proxy, default role): revoked. */
  | { kind: 'revoke'; user: string; host: string; privilege: LivePrivilege | { level: 'default-role' } }
  /** Drops accounts (those that exist), ends sessions no remaining account admits, and forgets the records. */
  | { kind: 'drop'; user: string; accounts: string[]; records: string[]; sessions: number[] }
  | { kind: 'end-sessions'; user: string; sessions: number[] };

export type MariadbChange = Change<MariadbOperation>;

/** What a file's record in dbfence.accounts says of which file the account belongs to. */
function recordOwnership(state: MariadbDesiredState, record: OwnershipRecord): AccountOwnership {
  return accountOwnership(state, { owner: record.owner ?? undefined, database: record.database });
}

/** The `ON` part of a grant: `` `db`.`table` `` or `` `db\_x`.* ``. */
function grantTarget(grant: { database: string; table: string }): string {
  return grant.table === '*' ? `${ident(databasePattern(grant.database))}.*` : `${ident(grant.database)}.${ident(grant.table)}`;
}

/** The same target for a live privilege, whose database name is already stored escaped at the database level. */
function liveTarget(privilege: LivePrivilege): string {
  return privilege.level === 'database' ? `${ident(privilege.database!)}.*` : `${ident(privilege.database!)}.${ident(privilege.object!)}`;
}

/** A role as the server names it: MariaDB's by name, MySQL's (an account) with its host. */
function roleName(privilege: LivePrivilege): string {
  return privilege.objectHost === undefined ? privilege.object ?? '' : `${privilege.object ?? ''}@${privilege.objectHost}`;
}

function list(items: readonly string[]): string {
  return items.join(', ');
}

function accountName(user: string, host: string): string {
  return `'${user}'@'${host}'`;
}

/** A declared password: its value, to compare with the stored string, and its reference, which the operation holds. */
interface Password {
  value: string;
  ref: PasswordRef;
}

/** Where the user's password comes from, or undefined when the file declares none. */
export function passwordReference(user: DesiredUser): PasswordRef | undefined {
  if (!user.password) return undefined;
  const { ref, path } = user.password;
  if (typeof ref === 'string') {
    throw new ToolError(`${formatPath(path)}: a password must be a reference ({ fromEnv } or { fromFile }), never written in the file`);
  }
  return { ref, path };
}

class Planner {
  readonly changes: MariadbChange[] = [];
  private readonly errors: string[] = [];
  private readonly declared: Map<string, DesiredUser>;
  private readonly recordsByUser = new Map<string, OwnershipRecord[]>();
  private readonly privilegesByAccount = new Map<string, LivePrivilege[]>();
  private readonly sessionsByUser = new Map<string, LiveSession[]>();

  constructor(
    private readonly desired: MariadbDesiredState, private readonly live: MariadbLive,
    private readonly readPassword: (ref: PasswordRef) => string, private readonly matches: PasswordCheck,
  ) {
    this.declared = new Map(desired.users.map((user) => [user.user, user]));
    for (const record of live.records) this.recordsByUser.set(record.user, [...(this.recordsByUser.get(record.user) ?? []), record]);
    for (const privilege of live.privileges) {
      const key = accountName(privilege.user, privilege.host);
      this.privilegesByAccount.set(key, [...(this.privilegesByAccount.get(key) ?? []), privilege]);
    }
    for (const session of live.sessions) this.sessionsByUser.set(session.user, [...(this.sessionsByUser.get(session.user) ?? []), session]);
  }

  run(): MariadbChange[] {
    const checked = this.desired.users.filter((user) => this.check(user));
    this.checkGrants(checked);
    this.throwErrors();
    for (const user of checked) this.user(user);
    this.undeclared();
    return this.changes;
  }

  private add(change: Omit<ChangeDescription, 'destructive'> & { destructive?: boolean }, operation: MariadbOperation): void {
    this.changes.push({ destructive: false, ...change, operation });
  }

  private throwErrors(): void {
    if (this.errors.length === 0) return;
    const shown = this.errors.slice(0, 5).join('; ');
    const more = this.errors.length > 5 ? ` (and ${this.errors.length - 5} more)` : '';
    throw new ToolError(`mariadb: ${shown}${more}`);
  }

  /** Whether this file may manage the user: it is not the admin, and it is unused, or dbfence's and this file's. */
  private check(user: DesiredUser): boolean {
    const where = formatPath([...user.path, 'user']);
    if (user.user === this.live.adminAccount.user) {
      this.errors.push(`${where}: ${user.user} is the admin user of the admin URL; an integration needs a user of its own`);
      return false;
    }
    const records = this.recordsByUser.get(user.user) ?? [];
    const accounts = this.live.accounts.get(user.user) ?? [];
    if (records.length === 0 && accounts.length > 0) {
      const hosts = accounts.map((account) => accountName(account.user, account.host)).join(', ');
      this.errors.push(`${where}: user ${user.user} exists (${hosts}) but dbfence does not manage it (no row in dbfence.accounts); use another user, or drop the accounts if dbfence should create them`);
      return false;
    }
    for (const record of records) {
      const ownership = recordOwnership(this.desired, record);
      if (typeof ownership === 'object') {
        this.errors.push(`${where}: user ${user.user} belongs to ${ownership.other} on this server; a user is managed by one file only, so use another user, or move the integration to that file`);
        return false;
      }
    }
    return true;
  }

  /** Declared tables and databases must exist: a GRANT on a missing table fails half-way through an apply. */
  private checkGrants(users: readonly DesiredUser[]): void {
    for (const user of users) {
      for (const grant of user.grants) {
        const where = formatPath([...grant.path, 'table']);
        if (!this.live.databases.has(grant.database)) {
          this.errors.push(`${where}: database ${grant.database} does not exist on the server (dbfence does not create databases)`);
        } else if (grant.table !== '*' && !this.live.tables.get(grant.database)?.has(grant.table)) {
          this.errors.push(`${where}: table ${grant.database}.${grant.table} does not exist`);
        }
      }
    }
  }

  /** The user's password and its reference, or undefined when the file declares none (its accounts then stay locked). */
  private password(user: DesiredUser): Password | undefined {
    const ref = passwordReference(user);
    return ref && { ref, value: this.readPassword(ref) };
  }

  private claimOf(user: DesiredUser, host: string): Claim {
    return { user: user.user, host, integration: user.integration, database: user.database, owner: this.desired.owner ?? null };
  }

  private user(user: DesiredUser): void {
    const password = this.password(user);
    const accounts = new Map((this.live.accounts.get(user.user) ?? []).map((account) => [account.host, account]));
    const records = new Map((this.recordsByUser.get(user.user) ?? []).map((record) => [record.host, record]));
    for (const { host, path } of user.hosts) {
      const claim = this.claimOf(user, host);
      const account = accounts.get(host);
      if (!account) this.create(user, claim, password, path);
      else this.alter(user, account, claim, records.get(host), password, path);
      this.grants(user, host, account);
    }
    const wanted = new Set(user.hosts.map((h) => h.host));
    const extraAccounts = [...accounts.keys()].filter((host) => !wanted.has(host));
    const extraRecords = [...records.keys()].filter((host) => !wanted.has(host));
    const stale = (this.sessionsByUser.get(user.user) ?? []).filter((session) => !user.hosts.some((h) => admits(h.host, session.address)));
    if (extraAccounts.length > 0 || extraRecords.length > 0) {
      const described = extraAccounts.map((host) => accountName(user.user, host));
      this.add({
        address: `mariadb.accounts.${user.user}.undeclared-hosts`, resource: 'account', action: 'delete',
        reason: extraAccounts.length > 0
          ? `integration ${user.integration}'s user ${user.user} also has ${list(described)}, at a host its \`from\` does not declare: every account of a managed user is dbfence's, and another host widens or shadows access, so ${extraAccounts.length === 1 ? 'it is' : 'they are'} dropped${stale.length > 0 ? ` and the sessions from outside \`from\` ended (${stale.map((s) => s.id).join(', ')})` : ''}`
          : `dbfence.accounts still records ${list(extraRecords.map((host) => accountName(user.user, host)))}, which no longer exist${stale.length > 0 ? `, and sessions from outside \`from\` are still open (${stale.map((s) => s.id).join(', ')})` : ''}: an apply stopped half-way leaves this`,
        before: described.length > 0 ? described : extraRecords.map((host) => accountName(user.user, host)),
      }, { kind: 'drop', user: user.user, accounts: extraAccounts, records: extraRecords, sessions: stale.map((s) => s.id) });
    } else if (stale.length > 0) {
      this.add({
        address: `mariadb.sessions.${user.user}`, resource: 'session', action: 'delete', disruptive: true,
        reason: `sessions of ${user.user} from addresses its \`from\` does not admit are open (${stale.map((s) => s.id).join(', ')}): an apply stopped between dropping an account and ending its sessions leaves them`,
        before: stale.map((s) => s.id),
      }, { kind: 'end-sessions', user: user.user, sessions: stale.map((s) => s.id) });
    }
  }

  private create(user: DesiredUser, claim: Claim, password: Password | undefined, path: DocPath): void {
    this.add({
      address: `mariadb.account.${user.user}@${claim.host}`, resource: 'account', action: 'create',
      reason: `integration ${user.integration} needs the account ${accountName(user.user, claim.host)} for its source ${claim.host}${password === undefined ? ' (no password declared: it stays locked)' : ''}`,
      after: { require: 'SSL', password: password === undefined ? 'none (locked)' : 'from the secret', plugin: this.live.dialect.defaultPlugin },
      path,
    }, { kind: 'create-account', claim, auth: password === undefined ? undefined : { plugin: this.live.dialect.defaultPlugin, password: password.ref }, unlock: password !== undefined });
  }

  private alter(user: DesiredUser, account: LiveAccount, claim: Claim, record: OwnershipRecord | undefined, password: Password | undefined, path: DocPath): void {
    const reasons: string[] = [];
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const recordMatches = record !== undefined && record.integration === claim.integration && record.database === claim.database && record.owner === claim.owner;
    if (!recordMatches) {
      reasons.push(record === undefined ? 'dbfence.accounts does not record it (an apply stopped before recording it, or it was added by hand)'
        : record.owner !== claim.owner ? `this file takes it over: its record becomes ${claim.owner === null ? 'this file\'s' : `owner ${claim.owner}'s`}`
        : 'its record in dbfence.accounts names another integration or database');
      before.record = record === undefined ? 'none' : { integration: record.integration, database: record.database, owner: record.owner };
      after.record = { integration: claim.integration, database: claim.database, owner: claim.owner };
    }
    const requireSsl = account.require !== 'SSL';
    if (requireSsl) {
      reasons.push(`it requires ${account.require === 'NONE' ? 'no TLS' : account.require}, and every managed account requires SSL`);
      before.require = account.require;
      after.require = 'SSL';
    }
    let auth: Auth | undefined;
    if (password !== undefined) {
      const { dialect } = this.live;
      const plugin = dialect.kept.find((kept) => kept === account.plugin) ?? dialect.defaultPlugin;
      if (plugin !== account.plugin || !this.matches(plugin, password.value, account.authenticationString)) {
        auth = { plugin, password: password.ref };
        reasons.push(plugin !== account.plugin
          ? `it authenticates with ${account.plugin || 'no plugin'}, which dbfence ${isPlugin(account.plugin) ? `does not use on ${dialect.label}` : 'cannot check against the password secret'}`
          : 'the password secret does not match the stored authentication string');
        before.password = 'stored hash';
        after.password = 'from the secret';
      }
    }
    const wantLocked = password === undefined;
    const lock = account.locked === wantLocked ? undefined : wantLocked;
    if (lock !== undefined) {
      reasons.push(lock ? 'no password is declared, so the account stays locked' : 'it is locked (an apply stopped before unlocking it, or it was locked by hand)');
      before.locked = account.locked;
      after.locked = wantLocked;
    }
    if (reasons.length === 0) return;
    this.add({
      address: `mariadb.account.${user.user}@${account.host}`, resource: 'account', action: 'update',
      reason: reasons.join('; '), before, after, path,
    }, { kind: 'alter-account', user: user.user, host: account.host, claim: recordMatches ? undefined : claim, requireSsl, lock, auth });
  }

  private grants(user: DesiredUser, host: string, account: LiveAccount | undefined): void {
    const wanted = new Map<string, { grant: DesiredGrant; privileges: Set<string> }>();
    for (const grant of user.grants) {
      const target = grantTarget(grant);
      const entry = wanted.get(target);
      if (entry) grant.privileges.forEach((p) => entry.privileges.add(p));
      else wanted.set(target, { grant, privileges: new Set(grant.privileges) });
    }
    const held = new Map<string, { privileges: Set<string>; grantable: boolean }>();
    const name = accountName(user.user, host);
    for (const privilege of account ? this.privilegesByAccount.get(name) ?? [] : []) {
      if (privilege.level === 'database' || privilege.level === 'table') {
        const target = liveTarget(privilege);
        const entry = held.get(target) ?? { privileges: new Set<string>(), grantable: false };
        entry.privileges.add(privilege.privilege);
        entry.grantable ||= privilege.grantable;
        held.set(target, entry);
      } else {
        this.otherPrivilege(user.user, host, privilege);
      }
    }
    if (account && account.defaultRole !== '') this.otherPrivilege(user.user, host, { level: 'default-role', role: account.defaultRole });
    for (const target of [...new Set([...wanted.keys(), ...held.keys()])].sort()) {
      const want = [...(wanted.get(target)?.privileges ?? [])].sort();
      const have = [...(held.get(target)?.privileges ?? [])].sort();
      const grant = want.filter((p) => !have.includes(p));
      const revoke = have.filter((p) => !want.includes(p));
      const grantOption = held.get(target)?.grantable ?? false;
      if (grant.length === 0 && revoke.length === 0 && !grantOption) continue;
      const reasons: string[] = [];
      if (grant.length > 0) reasons.push(`${list(grant)} on ${target} ${grant.length === 1 ? 'is' : 'are'} declared but not granted`);
      if (revoke.length > 0) reasons.push(`${list(revoke)} on ${target} ${revoke.length === 1 ? 'is' : 'are'} granted but not declared`);
      if (grantOption) reasons.push(`the grant on ${target} carries WITH GRANT OPTION, which dbfence never gives`);
      const declared = wanted.get(target);
      this.add({
        address: `mariadb.grant.${user.user}@${host}.${target.replace(/`/g, '')}`, resource: 'grant',
        action: have.length === 0 ? 'create' : want.length === 0 ? 'delete' : 'update',
        reason: `${name}: ${reasons.join('; ')}`, before: have, after: want,
        ...(declared && want.length > 0 ? { path: declared.grant.path } : {}),
      }, { kind: 'grant', user: user.user, host, on: target, grant, revoke, grantOption });
    }
  }

  private otherPrivilege(user: string, host: string, privilege: LivePrivilege | { level: 'default-role'; role: string }): void {
    const name = accountName(user, host);
    const [what, address] = privilege.level === 'default-role' ? [`the default role ${privilege.role}`, `default-role`]
      : privilege.level === 'global' ? [`${privilege.privilege} on *.*`, `global.${privilege.privilege}`]
      : privilege.level === 'column' ? [`${privilege.privilege} on column ${privilege.column} of ${privilege.database}.${privilege.object}`, `column.${privilege.database}.${privilege.object}.${privilege.column}.${privilege.privilege}`]
      : privilege.level === 'routine' ? [`${privilege.privilege} on ${privilege.routineType} ${privilege.database}.${privilege.object}`, `routine.${privilege.database}.${privilege.object}.${privilege.privilege}`]
      : privilege.level === 'role' ? [`the role ${roleName(privilege)}`, `role.${roleName(privilege)}`]
      : [`PROXY on ${privilege.object}`, `proxy.${privilege.object}`];
    this.add({
      address: `mariadb.privilege.${user}@${host}.${address.replace(/'/g, '')}`, resource: 'grant', action: 'delete',
      reason: `${name} holds ${what}, which the file does not declare`,
      before: what,
    }, { kind: 'revoke', user, host, privilege: privilege.level === 'default-role' ? { level: 'default-role' } : privilege });
  }

  /** Users this file manages but no longer declares: every account dropped, their sessions ended, their records forgotten. */
  private undeclared(): void {
    for (const [user, records] of [...this.recordsByUser].sort(([a], [b]) => a.localeCompare(b))) {
      if (this.declared.has(user) || user === this.live.adminAccount.user) continue;
      if (!records.every((record) => recordOwnership(this.desired, record) === 'mine')) continue;
      const accounts = (this.live.accounts.get(user) ?? []).map((account) => account.host);
      const sessions = (this.sessionsByUser.get(user) ?? []).map((session) => session.id);
      const integration = records[0]!.integration;
      this.add({
        address: `mariadb.accounts.${user}`, resource: 'account', action: 'delete', destructive: accounts.length > 0,
        reason: accounts.length > 0
          ? `user ${user} (integration ${integration}) is managed by dbfence but no integration declares it: ${list(accounts.map((host) => accountName(user, host)))} ${accounts.length === 1 ? 'is' : 'are'} dropped and ${sessions.length === 0 ? 'no session is open' : `its sessions ended (${sessions.join(', ')})`}`
          : `dbfence.accounts still records user ${user}, whose accounts are gone${sessions.length > 0 ? ` but whose sessions are still open (${sessions.join(', ')})` : ''}: an apply stopped half-way leaves this`,
        before: accounts.map((host) => accountName(user, host)),
      }, { kind: 'drop', user, accounts, records: records.map((record) => record.host), sessions });
    }
  }
}

/**
 * The changes that make the server match `desired`, each with the action that
 * carries it out. Pure: `readPassword` reads a password secret, and
 * `matches` checks it against an account's stored string. A
 * missing table, or a user dbfence does not manage, is a ToolError: never a
 * half-applied plan.
 */
export function planChanges(
  desired: MariadbDesiredState, live: MariadbLive, readPassword: (ref: PasswordRef) => string, matches: PasswordCheck = passwordMatches,
): MariadbChange[] {
  return new Planner(desired, live, readPassword, matches).run();
}
