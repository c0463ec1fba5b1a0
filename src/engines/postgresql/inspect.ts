import type pg from 'pg';
import { ToolError } from '../../errors.js';
import { inspectCertificate } from '../../edges/pg-hba/certificate.js';
import { HBA_SETTLED_SQL } from '../../edges/pg-hba/hba-file.js';
import type { Session } from './connect.js';
import { errorMessage } from './connect.js';
import { type DesiredState, MARKER, referencedSchemas } from './desired.js';
import type {
  LiveDatabase, LiveDatabaseGrant, LiveHba, LiveOtherGrant, LiveRelationGrant, LiveRole, LiveSchemaGrant, PostgresLive,
} from './live.js';
import type { Passwords } from './passwords.js';
import { literal } from './sql.js';

const MINIMUM_VERSION = 130000;

/**
 * The roles dbfence manages: those carrying its marker comment, never the
 * admin itself, the bootstrap superuser or a predefined `pg_*` role. Every
 * read joins it, so grants to other roles are never even seen. MATERIALIZED:
 * with stale catalog statistics the planner would otherwise re-run the ACL
 * expansion once per managed role (20 s instead of 20 ms for 1,000 roles).
 */
const MANAGED = `managed AS MATERIALIZED (
  SELECT r.oid, r.rolname::text AS rolname
  FROM pg_roles r
  JOIN pg_shdescription d ON d.objoid = r.oid AND d.classoid = 'pg_authid'::regclass
  WHERE starts_with(d.description, ${literal(MARKER)})
    AND r.rolname <> current_user AND r.oid <> 10 AND r.rolname !~ '^pg_'
)`;

/** A client session whose role no longer exists (over pg_stat_activity). */
export const ORPHANED_SESSION_SQL = `backend_type = 'client backend' AND usesysid IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM pg_authid a WHERE a.oid = usesysid)`;

const SESSION_SQL = `
SELECT current_setting('server_version_num')::int AS version, current_user::text AS admin, r.rolsuper AS superuser,
       current_setting('ssl') = 'on' AS ssl,
       ARRAY(SELECT json_build_object('pid', pid, 'oid', usesysid) FROM pg_stat_activity
             WHERE ${ORPHANED_SESSION_SQL} ORDER BY pid) AS orphaned_sessions
FROM pg_roles r WHERE r.rolname = current_user`;

const ROLES_SQL = `
WITH ${MANAGED}
SELECT a.oid, a.rolname::text AS name, d.description AS comment, m.oid IS NOT NULL AS managed,
       a.rolcanlogin AS login, a.rolsuper AS superuser, a.rolcreatedb AS createdb,
       a.rolcreaterole AS createrole, a.rolreplication AS replication, a.rolbypassrls AS bypassrls,
       a.rolpassword AS verifier,
       ARRAY(SELECT json_build_object('group', g.rolname, 'grantor', gr.rolname)
             FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles gr ON gr.oid = am.grantor
             WHERE am.member = a.oid ORDER BY g.rolname, gr.rolname) AS member_of,
       ARRAY(SELECT DISTINCT db.datname::text FROM pg_shdepend s JOIN pg_database db ON db.oid = s.dbid
             WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = a.oid ORDER BY 1) AS dependent_databases
FROM pg_authid a
LEFT JOIN pg_shdescription d ON d.objoid = a.oid AND d.classoid = 'pg_authid'::regclass
LEFT JOIN managed m ON m.oid = a.oid
WHERE m.oid IS NOT NULL OR a.rolname = ANY($1::text[])`;

/**
 * The entries of an ACL column as rows, as `aclexplode(column)` gives them.
 * aclexplode itself re-reads (detoasts) its whole argument for every row it
 * returns, so on an object granted to a thousand roles it is quadratic; unnest
 * reads the array once and hands aclexplode one entry at a time.
 */
function explodeAcl(column: string): string {
  return `CROSS JOIN LATERAL unnest(${column}) acl_item CROSS JOIN LATERAL aclexplode(ARRAY[acl_item]) a`;
}

const DATABASE_GRANTS_SQL = `
WITH ${MANAGED}
SELECT db.datname::text AS database, m.rolname AS role,
       array_agg(a.privilege_type ORDER BY a.privilege_type) AS privileges, bool_or(a.is_grantable) AS grantable
FROM pg_database db ${explodeAcl('db.datacl')} JOIN managed m ON m.oid = a.grantee
GROUP BY 1, 2
ORDER BY 1, 2`;

const DATABASES_SQL = `SELECT datname::text AS name, datallowconn AS connectable FROM pg_database`;

const HBA_SQL = `
SELECT current_setting('hba_file') AS path, pg_read_file(current_setting('hba_file')) AS text,
       ARRAY(SELECT json_build_object('line', line_number, 'error', error) FROM pg_hba_file_rules
             WHERE error IS NOT NULL ORDER BY line_number) AS errors,
       (pg_stat_file(current_setting('hba_file'))).modification AS modified, pg_conf_load_time() AS loaded,
       pg_conf_load_time() < ${HBA_SETTLED_SQL} AS reload_pending`;

interface HbaRow {
  path: string; text: string; errors: { line: number; error: string }[];
  modified: Date; loaded: Date; reload_pending: boolean;
}

const RELATION_GRANTS_SQL = `
WITH ${MANAGED}
SELECT m.rolname AS role, n.nspname::text AS schema, c.relname::text AS name, c.relkind = 'S' AS sequence,
       array_agg(a.privilege_type ORDER BY a.privilege_type) AS privileges, bool_or(a.is_grantable) AS grantable
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
${explodeAcl('c.relacl')} JOIN managed m ON m.oid = a.grantee
WHERE c.relacl IS NOT NULL
GROUP BY m.rolname, n.nspname, c.relname, c.relkind
ORDER BY 1, 2, 3`;

const SCHEMA_GRANTS_SQL = `
WITH ${MANAGED}
SELECT m.rolname AS role, n.nspname::text AS schema,
       array_agg(a.privilege_type ORDER BY a.privilege_type) AS privileges, bool_or(a.is_grantable) AS grantable
FROM pg_namespace n ${explodeAcl('n.nspacl')} JOIN managed m ON m.oid = a.grantee
WHERE n.nspacl IS NOT NULL
GROUP BY m.rolname, n.nspname
ORDER BY 1, 2`;

/** Privileges on everything else (columns, routines, types, default privileges…), found through pg_shdepend. */
const OTHER_GRANTS_SQL = `
WITH ${MANAGED}
SELECT m.rolname AS role, s.classid::regclass::text AS catalog, s.objid::text AS objid, o.type AS kind, o.identity,
       CASE WHEN s.classid = 'pg_class'::regclass THEN format('%I.%I', cn.nspname, c.relname) END AS relation,
       CASE WHEN s.classid = 'pg_class'::regclass THEN
         (SELECT attname::text FROM pg_attribute WHERE attrelid = s.objid AND attnum = s.objsubid) END AS column,
       da.defaclrole::regrole::text AS default_owner,
       CASE WHEN da.defaclnamespace <> 0 THEN da.defaclnamespace::regnamespace::text END AS default_schema,
       da.defaclobjtype::text AS default_kind
FROM pg_shdepend s
JOIN managed m ON m.oid = s.refobjid
CROSS JOIN LATERAL pg_identify_object(s.classid, s.objid, s.objsubid) o
LEFT JOIN pg_class c ON s.classid = 'pg_class'::regclass AND c.oid = s.objid
LEFT JOIN pg_namespace cn ON cn.oid = c.relnamespace
LEFT JOIN pg_default_acl da ON s.classid = 'pg_default_acl'::regclass AND da.oid = s.objid
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND s.refclassid = 'pg_authid'::regclass AND s.deptype = 'a'
  AND NOT (s.classid IN ('pg_class'::regclass, 'pg_namespace'::regclass) AND s.objsubid = 0)
ORDER BY 1, 4, 5`;

const RELATIONS_SQL = `
SELECT n.nspname::text AS schema, c.relname::text AS name
FROM pg_namespace n
LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
WHERE n.nspname = ANY($1::text[])`;

const GRANT_KEYWORDS: Record<string, string> = {
  pg_proc: 'ROUTINE',
  pg_type: 'TYPE',
  pg_language: 'LANGUAGE',
  pg_foreign_data_wrapper: 'FOREIGN DATA WRAPPER',
  pg_foreign_server: 'FOREIGN SERVER',
  pg_largeobject: 'LARGE OBJECT',
  pg_largeobject_metadata: 'LARGE OBJECT',
};

const DEFAULT_OBJECTS: Record<string, string> = { r: 'TABLES', S: 'SEQUENCES', f: 'FUNCTIONS', T: 'TYPES', n: 'SCHEMAS' };

interface RoleRow {
  oid: number; name: string; comment: string | null; managed: boolean;
  login: boolean; superuser: boolean; createdb: boolean; createrole: boolean; replication: boolean; bypassrls: boolean;
  verifier: string | null; member_of: { group: string; grantor: string }[]; dependent_databases: string[];
}

interface OtherRow {
  role: string; catalog: string; objid: string; kind: string; identity: string;
  relation: string | null; column: string | null;
  default_owner: string | null; default_schema: string | null; default_kind: string | null;
}

function otherGrant(row: OtherRow): LiveOtherGrant {
  const base = { role: row.role, kind: row.kind, identity: row.identity };
  if (row.catalog === 'pg_class' && row.relation !== null && row.column !== null) {
    return { ...base, type: 'column', relation: row.relation, column: row.column };
  }
  if (row.catalog === 'pg_default_acl' && row.default_owner !== null && row.default_kind !== null) {
    const objects = DEFAULT_OBJECTS[row.default_kind];
    if (objects) return { ...base, type: 'default', owner: row.default_owner, schema: row.default_schema, objects };
  }
  const keyword = row.kind === 'domain' ? 'DOMAIN' : GRANT_KEYWORDS[row.catalog];
  if (keyword) return { ...base, type: 'object', keyword, target: keyword === 'LARGE OBJECT' ? row.objid : row.identity };
  return { ...base, type: 'unsupported' };
}

/** How many databases are read at once. */
const PARALLEL_DATABASE_READS = 8;

async function inspectDatabase(session: Session, name: string, schemas: readonly string[]): Promise<LiveDatabase> {
  const client = await session.database(name);
  // One connection runs one query at a time; databases are read in parallel instead.
  const relationGrants = await session.query<LiveRelationGrant>(client, RELATION_GRANTS_SQL);
  const schemaGrants = await session.query<LiveSchemaGrant>(client, SCHEMA_GRANTS_SQL);
  const otherRows = await session.query<OtherRow>(client, OTHER_GRANTS_SQL);
  const relationRows = schemas.length === 0 ? [] : await session.query<{ schema: string; name: string | null }>(client, RELATIONS_SQL, [schemas]);
  const relations = new Map<string, Set<string>>();
  for (const row of relationRows) {
    let tables = relations.get(row.schema);
    if (!tables) relations.set(row.schema, (tables = new Set()));
    if (row.name !== null) tables.add(row.name);
  }
  return { name, relationGrants, schemaGrants, otherGrants: otherRows.map(otherGrant), relations };
}

interface SessionRow {
  version: number; admin: string; superuser: boolean; ssl: boolean; orphaned_sessions: { pid: number; oid: number }[];
}

async function readSession(session: Session, admin: pg.Client, selfManaged: boolean): Promise<SessionRow> {
  const [row] = await session.query<SessionRow>(admin, SESSION_SQL);
  if (!row) throw new ToolError('postgres: the admin role is not visible in pg_roles');
  if (row.version < MINIMUM_VERSION) {
    throw new ToolError(`postgres: the server runs PostgreSQL ${Math.floor(row.version / 10000)}; dbfence needs 13 or later`);
  }
  if (!row.superuser) {
    const needs = selfManaged ? 'to read password verifiers and to write pg_hba.conf' : 'to read password verifiers';
    throw new ToolError(`postgres: the admin user ${row.admin} is not a superuser; dbfence needs one ${needs}`);
  }
  return row;
}

async function readHba(session: Session, admin: pg.Client): Promise<LiveHba> {
  const [row] = await session.query<HbaRow>(admin, HBA_SQL);
  if (!row) throw new ToolError('postgres: could not read pg_hba.conf');
  return {
    path: row.path, text: row.text, errors: row.errors,
    pendingReload: row.reload_pending ? { modified: row.modified, loaded: row.loaded } : undefined,
  };
}

export interface InspectOptions {
  /** The CA certificate, to tell whether the served certificate is ours. */
  ca?: { certificatePem: string };
  /**
   * Checks the declared passwords against the verifiers read, on libuv's
   * thread pool while the grants are still being read: a PBKDF2 per role is
   * most of a large plan's time, and the catalog reads are mostly waiting.
   */
  passwords?: Passwords;
}

/**
 * Reads everything the given files manage in a fixed number of bulk catalog
 * queries: a handful for the cluster, four per database. A read that fails is
 * a ToolError, never an empty state that would look like "no drift".
 */
export async function inspect(session: Session, scope: readonly DesiredState[], options: InspectOptions = {}): Promise<PostgresLive> {
  const startCount = session.statements;
  try {
    const admin = await session.admin();
    const selfManaged = scope.some((state) => state.selfManaged !== undefined);
    const about = await readSession(session, admin, selfManaged);
    const users = [...new Set(scope.flatMap((state) => state.roles.map((role) => role.user)))];
    const roleRows = await session.query<RoleRow>(admin, ROLES_SQL, [users]);
    const databaseGrants = await session.query<LiveDatabaseGrant>(admin, DATABASE_GRANTS_SQL);
    const databaseRows = await session.query<{ name: string; connectable: boolean }>(admin, DATABASES_SQL);
    const hba = selfManaged ? await readHba(session, admin) : undefined;
    const roles = new Map<string, LiveRole>(roleRows.map((row) => [row.name, {
      oid: row.oid, name: row.name, managed: row.managed, comment: row.comment,
      options: {
        login: row.login, superuser: row.superuser, createdb: row.createdb,
        createrole: row.createrole, replication: row.replication, bypassrls: row.bypassrls,
      },
      verifier: row.verifier, memberOf: row.member_of, dependentDatabases: row.dependent_databases,
    }]));
    const databaseNames = new Set(databaseRows.map((row) => row.name));
    const checking = options.passwords?.check(scope.flatMap((state) => state.roles), roles);
    // Awaited once the reads are done; until then a read that fails first must not leave its failure unhandled.
    checking?.catch(() => undefined);

    const schemas = new Map<string, Set<string>>();
    for (const state of scope) {
      for (const [database, names] of referencedSchemas(state)) {
        const set = schemas.get(database) ?? new Set<string>();
        names.forEach((name) => set.add(name));
        schemas.set(database, set);
      }
    }
    for (const role of roles.values()) {
      if (role.managed) role.dependentDatabases.forEach((name) => schemas.has(name) || schemas.set(name, new Set()));
    }
    const connectable = new Set(databaseRows.filter((row) => row.connectable).map((row) => row.name));
    const toRead = [...schemas.entries()].filter(([name]) => connectable.has(name));
    const databases = new Map<string, LiveDatabase>();
    // A few databases at a time, each connection closed once read: a server with
    // many databases must not run out of connections (max_connections) for a read.
    for (let i = 0; i < toRead.length; i += PARALLEL_DATABASE_READS) {
      const batch = await Promise.all(toRead.slice(i, i + PARALLEL_DATABASE_READS).map(async ([name, names]) => {
        const database = await inspectDatabase(session, name, [...names].sort());
        if (name !== session.server.database) session.discard(name);
        return database;
      }));
      for (const database of batch) databases.set(database.name, database);
    }

    const servesEndpoints = selfManaged && scope.some((state) => state.config.databases.some((d) => d.endpoints?.some((e) => e.hostname !== undefined)));
    const { host, port } = session.server;
    const certificate = servesEndpoints ? await inspectCertificate(session.counted(admin), { host, port }, options.ca) : undefined;
    await checking;

    return {
      server: session.server,
      version: about.version,
      adminUser: about.admin,
      ssl: about.ssl,
      orphanedSessions: about.orphaned_sessions,
      roles,
      databaseGrants,
      databaseNames,
      databases,
      hba,
      certificate,
      statementCount: session.statements - startCount,
    };
  } catch (error) {
    if (error instanceof ToolError) throw error;
    throw new ToolError(`postgres: reading the live state failed: ${errorMessage(error)}`);
  }
}
