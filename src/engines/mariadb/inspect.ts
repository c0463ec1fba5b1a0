import { ToolError } from '../../errors.js';
import { errorMessage, errorNumber, type Session } from './connect.js';
import { type MariadbDesiredState, referencedDatabases } from './desired.js';
import { sessionAddress } from './hosts.js';
import type { LiveAccount, LivePrivilege, LiveSession, MariadbLive, OwnershipRecord } from './live.js';

/** The oldest MariaDB dbfence supports: 10.6 is the oldest long-term line still maintained. */
const MINIMUM = { major: 10, minor: 6 };

/** dbfence's own table: MariaDB has no account comments, so this is how a managed account is known. */
export const RECORDS_TABLE = 'dbfence.accounts';
const NO_SUCH_TABLE = new Set([1146, 1049]);

const SERVER_SQL = 'SELECT VERSION() AS version, CURRENT_USER() AS admin, @@skip_name_resolve AS skip_name_resolve';

/** Accounts (not roles) from mysql.global_priv, whose JSON holds what the mysql.user view leaves out (account_locked, chained plugins). */
const ACCOUNTS_SQL = `SELECT User AS user, Host AS host, Priv AS priv FROM mysql.global_priv`;

/** Every privilege at every level, in one read (the information_schema views and mysql's routine, role and proxy tables). */
const PRIVILEGES_SQL = `
SELECT 'global' AS level, GRANTEE AS grantee, NULL AS db, NULL AS obj, NULL AS col, PRIVILEGE_TYPE AS privilege, NULL AS routine_type, IS_GRANTABLE AS grantable
  FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE <> 'USAGE'
UNION ALL SELECT 'database', GRANTEE, TABLE_SCHEMA, NULL, NULL, PRIVILEGE_TYPE, NULL, IS_GRANTABLE FROM information_schema.SCHEMA_PRIVILEGES
UNION ALL SELECT 'table', GRANTEE, TABLE_SCHEMA, TABLE_NAME, NULL, PRIVILEGE_TYPE, NULL, IS_GRANTABLE FROM information_schema.TABLE_PRIVILEGES
UNION ALL SELECT 'column', GRANTEE, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, PRIVILEGE_TYPE, NULL, IS_GRANTABLE FROM information_schema.COLUMN_PRIVILEGES
UNION ALL SELECT 'routine', CONCAT('''', User, '''@''', Host, ''''), Db, Routine_name, NULL, Proc_priv, Routine_type, 'NO' FROM mysql.procs_priv
UNION ALL SELECT 'role', CONCAT('''', User, '''@''', Host, ''''), NULL, Role, NULL, 'MEMBER', NULL, IF(Admin_option = 'Y', 'YES', 'NO') FROM mysql.roles_mapping
UNION ALL SELECT 'proxy', CONCAT('''', User, '''@''', Host, ''''), NULL, CONCAT('''', Proxied_user, '''@''', Proxied_host, ''''), NULL, 'PROXY', NULL, IF(With_grant, 'YES', 'NO')
  FROM mysql.proxies_priv WHERE User <> ''`;

const RECORDS_SQL = `SELECT user, host, integration, db AS \`database\`, owner FROM ${RECORDS_TABLE}`;
const DATABASES_SQL = 'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA';
const TABLES_SQL = 'SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?)';
const SESSIONS_SQL = `SELECT ID AS id, USER AS user, HOST AS host FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Daemon', 'Binlog Dump')`;

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

function parseAccount(row: { user: string; host: string; priv: unknown }): LiveAccount & { isRole: boolean } {
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

function checkVersion(version: string): void {
  const match = /^(\d+)\.(\d+)/.exec(version);
  if (!/MariaDB/i.test(version)) {
    throw new ToolError(`mariadb: the server runs MySQL ${version}; the mariadb engine manages MariaDB ${MINIMUM.major}.${MINIMUM.minor} and later only so far (MySQL 8 has no IDENTIFIED BY PASSWORD, and its caching_sha2_password strings are not computed yet)`);
  }
  const [major, minor] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (major < MINIMUM.major || (major === MINIMUM.major && minor < MINIMUM.minor)) {
    throw new ToolError(`mariadb: the server runs MariaDB ${version}; dbfence needs ${MINIMUM.major}.${MINIMUM.minor} or later`);
  }
}

/**
 * Reads everything the given files manage in a fixed number of bulk
 * catalogue reads, whatever the number of integrations. A read that fails is
 * a ToolError, never an empty state that would look like "no drift".
 */
export async function inspect(session: Session, states: readonly MariadbDesiredState[]): Promise<MariadbLive> {
  const start = session.statements;
  try {
    const [about] = await session.query<{ version: string; admin: string; skip_name_resolve: number }>(SERVER_SQL);
    if (!about) throw new ToolError('mariadb: the server did not say which version it runs');
    checkVersion(about.version);
    const admin = parseAdminAccount(about.admin);
    const records = await readRecords(session);
    const relevant = new Set([...states.flatMap((state) => state.users.map((user) => user.user)), ...records.map((record) => record.user), '']);
    relevant.delete(admin.user);
    const accounts = new Map<string, LiveAccount[]>();
    for (const row of await session.query<{ user: string; host: string; priv: unknown }>(ACCOUNTS_SQL)) {
      if (!relevant.has(row.user)) continue;
      const { isRole, ...account } = parseAccount(row);
      if (isRole) continue;
      accounts.set(row.user, [...(accounts.get(row.user) ?? []), account]);
    }
    const privileges: LivePrivilege[] = [];
    for (const row of await session.query<PrivilegeRow>(PRIVILEGES_SQL)) {
      const grantee = parseGrantee(row.grantee);
      if (!grantee || !(relevant.has(grantee.user) || grantee.user === 'PUBLIC')) continue;
      privileges.push({
        ...grantee, level: row.level, database: row.db, object: row.obj, column: row.col,
        privilege: row.privilege, routineType: row.routine_type, grantable: row.grantable === 'YES',
      });
    }
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
      version: about.version,
      adminAccount: admin,
      skipNameResolve: Number(about.skip_name_resolve) === 1,
      accounts, privileges, records, databases, tables, sessions,
      statementCount: session.statements - start,
    };
  } catch (error) {
    if (error instanceof ToolError) throw error;
    throw new ToolError(`mariadb: reading the live state failed: ${errorMessage(error)}`);
  }
}

function parseAdminAccount(text: string): { user: string; host: string } {
  const at = text.lastIndexOf('@');
  return at < 0 ? { user: text, host: '' } : { user: text.slice(0, at), host: text.slice(at + 1) };
}

/** `dbfence.accounts`, or no rows before the first apply has made it. */
async function readRecords(session: Session): Promise<OwnershipRecord[]> {
  try {
    return await session.query<OwnershipRecord>(RECORDS_SQL);
  } catch (error) {
    if (NO_SUCH_TABLE.has(errorNumber(error) ?? 0)) return [];
    throw error;
  }
}
