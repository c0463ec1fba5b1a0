import { ToolError } from '../../errors.js';
import { errorMessage, errorNumber, type SqlSession } from './connect.js';
import { type MariadbDesiredState, referencedDatabases } from './desired.js';
import type { Dialect } from './dialect.js';
import { sessionAddress } from './hosts.js';
import type { LiveAccount, LivePrivilege, LiveSession, MariadbLive, OwnershipRecord } from './live.js';

/** dbfence's own table: MariaDB has no account comments, so this is how a managed account is known. */
export const RECORDS_TABLE = 'dbfence.accounts';
const NO_SUCH_TABLE = new Set([1146, 1049]);

const SERVER_SQL = {
  mariadb: 'SELECT CURRENT_USER() AS admin, @@skip_name_resolve AS skip_name_resolve, NULL AS mandatory_roles',
  // Roles every account is granted (https://dev.mysql.com/doc/refman/8.0/en/roles.html#mandatory-roles).
  mysql: 'SELECT CURRENT_USER() AS admin, @@skip_name_resolve AS skip_name_resolve, @@mandatory_roles AS mandatory_roles',
};

const ACCOUNTS_SQL = {
  /** Accounts and roles from mysql.global_priv, whose JSON holds what the mysql.user view leaves out (account_locked, chained plugins). */
  mariadb: 'SELECT User AS user, Host AS host, Priv AS priv FROM mysql.global_priv',
  /**
   * MySQL's accounts, roles among them (a role is an account there); the
   * authentication string in hex, as caching_sha2_password's is binary; the
   * default roles from mysql.default_roles, in the same statement.
   */
  mysql: `SELECT u.User AS user, u.Host AS host, u.plugin AS plugin, HEX(u.authentication_string) AS auth_hex,
  u.ssl_type AS ssl_type, u.account_locked AS account_locked,
  (SELECT GROUP_CONCAT(CONCAT(d.DEFAULT_ROLE_USER, '@', d.DEFAULT_ROLE_HOST)) FROM mysql.default_roles d WHERE d.USER = u.User AND d.HOST = u.Host) AS default_role
  FROM mysql.user u`,
};

const COMMON_PRIVILEGES_SQL = `
SELECT 'global' AS level, GRANTEE AS grantee, NULL AS db, NULL AS obj, NULL AS col, PRIVILEGE_TYPE AS privilege, NULL AS routine_type, IS_GRANTABLE AS grantable
  FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE <> 'USAGE'
UNION ALL SELECT 'database', GRANTEE, TABLE_SCHEMA, NULL, NULL, PRIVILEGE_TYPE, NULL, IS_GRANTABLE FROM information_schema.SCHEMA_PRIVILEGES
UNION ALL SELECT 'table', GRANTEE, TABLE_SCHEMA, TABLE_NAME, NULL, PRIVILEGE_TYPE, NULL, IS_GRANTABLE FROM information_schema.TABLE_PRIVILEGES
UNION ALL SELECT 'column', GRANTEE, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, PRIVILEGE_TYPE, NULL, IS_GRANTABLE FROM information_schema.COLUMN_PRIVILEGES
UNION ALL SELECT 'routine', CONCAT('''', User, '''@''', Host, ''''), Db, Routine_name, NULL, Proc_priv, Routine_type, 'NO' FROM mysql.procs_priv
UNION ALL SELECT 'proxy', CONCAT('''', User, '''@''', Host, ''''), NULL, CONCAT('''', Proxied_user, '''@''', Proxied_host, ''''), NULL, 'PROXY', NULL, IF(With_grant, 'YES', 'NO')
  FROM mysql.proxies_priv WHERE User <> ''`;

/**
 * Every privilege at every level, in one read: the information_schema views
 * and mysql's routine and proxy tables, and the roles: MariaDB's
 * mysql.roles_mapping; MySQL's mysql.role_edges (the role, an account, in
 * \`db\` as its host), with mysql.global_grants for the dynamic privileges
 * (BACKUP_ADMIN…), which USER_PRIVILEGES does not list.
 */
const PRIVILEGES_SQL = {
  mariadb: `${COMMON_PRIVILEGES_SQL}
UNION ALL SELECT 'role', CONCAT('''', User, '''@''', Host, ''''), NULL, Role, NULL, 'MEMBER', NULL, IF(Admin_option = 'Y', 'YES', 'NO') FROM mysql.roles_mapping`,
  mysql: `${COMMON_PRIVILEGES_SQL}
UNION ALL SELECT 'role', CONCAT('''', TO_USER, '''@''', TO_HOST, ''''), FROM_HOST, FROM_USER, NULL, 'MEMBER', NULL, IF(WITH_ADMIN_OPTION = 'Y', 'YES', 'NO') FROM mysql.role_edges
UNION ALL SELECT 'global', CONCAT('''', USER, '''@''', HOST, ''''), NULL, NULL, NULL, PRIV, NULL, IF(WITH_GRANT_OPTION = 'Y', 'YES', 'NO') FROM mysql.global_grants`,
};

const RECORDS_SQL = `SELECT user, host, integration, db AS \`database\`, owner FROM ${RECORDS_TABLE}`;
const DATABASES_SQL = 'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA';
const TABLES_SQL = 'SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?)';
const SESSIONS_SQL = `SELECT ID AS id, USER AS user, HOST AS host FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')`;

/** mysql.global_priv's `ssl_type` numbers. */
const REQUIRE: LiveAccount['require'][] = ['NONE', 'SSL', 'X509', 'SPECIFIED'];

interface PrivilegeRow {
  level: LivePrivilege['level']; grantee: string; db: string | null; obj: string | null; col: string | null;
  privilege: string; routine_type: string | null; grantable: string;
}

/** `'user'@'host'` as information_schema writes a grantee. */
function parseGrantee(grantee: string): { user: string; host: string } | undefined {
  const match = /^'((?:[^']|'')*)'@'((?:[^']|'')*)'$/.exec(grantee);
  return match ? { user: match[1]!.replace(/''/g, "'"), host: match[2]!.replace(/''/g, "'") } : undefined;
}

/** MariaDB's account row: mysql.global_priv's JSON. */
function parseMariadbAccount(row: { user: string; host: string; priv: unknown }): LiveAccount & { isRole: boolean } {
  let priv: Record<string, unknown> = {};
  // The driver decodes the JSON column itself; an older one hands over the text.
  if (typeof row.priv === 'object' && row.priv !== null) priv = row.priv as Record<string, unknown>;
  else if (typeof row.priv === 'string') {
    try {
      priv = JSON.parse(row.priv) as Record<string, unknown>;
    } catch {
      // Unreadable: every field below falls back to "unknown", which plans a rewrite of the account.
    }
  }
  const chained = Array.isArray(priv.auth_or) && priv.auth_or.length > 0;
  return {
    user: row.user,
    host: row.host,
    plugin: chained ? 'chained' : String(priv.plugin ?? ''),
    authenticationString: chained ? '' : String(priv.authentication_string ?? ''),
    require: REQUIRE[Number(priv.ssl_type ?? 0)] ?? 'SPECIFIED',
    locked: priv.account_locked === true,
    defaultRole: String(priv.default_role ?? ''),
    isRole: priv.is_role === true,
  };
}

export interface MysqlAccountRow {
  user: string; host: string; plugin: string | null; auth_hex: string | null;
  ssl_type: string | null; account_locked: string | null; default_role: string | null;
}

/** mysql.user's `ssl_type` values. */
const MYSQL_REQUIRE: Record<string, LiveAccount['require']> = { '': 'NONE', ANY: 'SSL', X509: 'X509', SPECIFIED: 'SPECIFIED' };

/** MySQL's account row: mysql.user's columns; a role is an account there, so none is a role. */
function parseMysqlAccount(row: MysqlAccountRow): LiveAccount & { isRole: boolean } {
  return {
    user: row.user,
    host: row.host,
    plugin: row.plugin ?? '',
    // The bytes as a latin1 string: caching_sha2_password's salt is binary.
    authenticationString: Buffer.from(row.auth_hex ?? '', 'hex').toString('latin1'),
    require: MYSQL_REQUIRE[row.ssl_type ?? ''] ?? 'SPECIFIED',
    locked: row.account_locked === 'Y',
    defaultRole: row.default_role ?? '',
    isRole: false,
  };
}

/**
 * Reads everything the given files manage in a fixed number of bulk
 * catalogue reads, whatever the number of integrations. A read that fails is
 * a ToolError, never an empty state that would look like "no drift".
 */
export async function inspect(session: SqlSession, states: readonly MariadbDesiredState[]): Promise<MariadbLive> {
  const dialect = await session.dialect();
  const start = session.statements;
  try {
    const [about] = await session.query<{ admin: string; skip_name_resolve: number; mandatory_roles: string | null }>(SERVER_SQL[dialect.kind]);
    if (!about) throw new ToolError('mariadb: the server did not say who the admin connection is');
    const admin = parseAdminAccount(about.admin);
    const records = await readRecords(session);
    const relevant = new Set([...states.flatMap((state) => state.users.map((user) => user.user)), ...records.map((record) => record.user), '']);
    relevant.delete(admin.user);
    const accounts = new Map<string, LiveAccount[]>();
    for (const row of await session.query<{ user: string; host: string }>(ACCOUNTS_SQL[dialect.kind])) {
      if (!relevant.has(row.user)) continue;
      const { isRole, ...account } = dialect.kind === 'mysql'
        ? parseMysqlAccount(row as MysqlAccountRow)
        : parseMariadbAccount(row as { user: string; host: string; priv: unknown });
      if (isRole) continue;
      accounts.set(row.user, [...(accounts.get(row.user) ?? []), account]);
    }
    const privileges = readPrivileges(await session.query<PrivilegeRow>(PRIVILEGES_SQL[dialect.kind]), relevant, dialect);
    const databases = new Set((await session.query<{ name: string }>(DATABASES_SQL)).map((row) => row.name));
    const wanted = referencedDatabases(states).filter((name) => databases.has(name));
    const tables = new Map<string, Set<string>>(wanted.map((name) => [name, new Set<string>()]));
    if (wanted.length > 0) {
      for (const row of await session.query<{ db: string; name: string }>(TABLES_SQL, [wanted])) tables.get(row.db)?.add(row.name);
    }
    const sessions: LiveSession[] = (await session.query<{ id: number; user: string; host: string }>(SESSIONS_SQL))
      .filter((row) => relevant.has(row.user) && row.user !== '')
      .map((row) => ({ id: row.id, user: row.user, address: sessionAddress(row.host) }));
    return {
      server: session.server,
      dialect,
      version: dialect.version,
      adminAccount: admin,
      skipNameResolve: Number(about.skip_name_resolve) === 1,
      mandatoryRoles: parseRoleList(about.mandatory_roles ?? ''),
      accounts, privileges, records, databases, tables, sessions,
      statementCount: session.statements - start,
    };
  } catch (error) {
    if (error instanceof ToolError) throw error;
    throw new ToolError(`mariadb: reading the live state failed: ${errorMessage(error)}`);
  }
}

/**
 * The privileges of the relevant users (and MariaDB's PUBLIC, which every
 * account holds), each once: MySQL's role is an account, its host read from
 * the row's `db`, and the `Grant` of a routine's privilege set is its grant
 * option.
 */
function readPrivileges(rows: readonly PrivilegeRow[], relevant: ReadonlySet<string>, dialect: Dialect): LivePrivilege[] {
  const seen = new Set<string>();
  const privileges: LivePrivilege[] = [];
  for (const row of rows) {
    const grantee = parseGrantee(row.grantee);
    if (!grantee || !(relevant.has(grantee.user) || (dialect.kind === 'mariadb' && grantee.user === 'PUBLIC'))) continue;
    const key = JSON.stringify([row.grantee, row.level, row.db, row.obj, row.col, row.privilege, row.routine_type]);
    if (seen.has(key)) continue;
    seen.add(key);
    const role = row.level === 'role' && dialect.kind === 'mysql';
    privileges.push({
      ...grantee, level: row.level, database: role ? null : row.db, object: row.obj, column: row.col,
      ...(role ? { objectHost: row.db ?? '%' } : {}),
      privilege: row.privilege, routineType: row.routine_type, grantable: row.grantable === 'YES',
    });
  }
  return privileges;
}

/** `@@mandatory_roles`: `` `r1`@`%`,r2@localhost ``, a host-less name meaning `%`. */
export function parseRoleList(text: string): { user: string; host: string }[] {
  return text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '').map((entry) => {
    const [user = '', host = '%'] = entry.split('@').map((part) => part.trim().replace(/^[`'"](.*)[`'"]$/, '$1'));
    return { user, host };
  });
}

function parseAdminAccount(text: string): { user: string; host: string } {
  const at = text.lastIndexOf('@');
  return at < 0 ? { user: text, host: '' } : { user: text.slice(0, at), host: text.slice(at + 1) };
}

/** `dbfence.accounts`, or no rows before the first apply has made it. */
async function readRecords(session: SqlSession): Promise<OwnershipRecord[]> {
  try {
    return await session.query<OwnershipRecord>(RECORDS_SQL);
  } catch (error) {
    if (NO_SUCH_TABLE.has(errorNumber(error) ?? 0)) return [];
    throw error;
  }
}
