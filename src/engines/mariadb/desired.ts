import { ToolError } from '../../errors.js';
import type { Database, EndpointsConfig, Privilege, SecretRef } from '../../model/config.js';
import { type DocPath, formatPath } from '../../model/path.js';
import { hostPattern } from './hosts.js';

/** MariaDB's table privileges for each privilege the file may name; `USAGE` grants nothing on a table. */
const PRIVILEGES: Record<Exclude<Privilege, 'ALL' | 'TRUNCATE'>, string[]> = {
  SELECT: ['SELECT'], INSERT: ['INSERT'], UPDATE: ['UPDATE'], DELETE: ['DELETE'],
  REFERENCES: ['REFERENCES'], TRIGGER: ['TRIGGER'], USAGE: [],
};
/** `ALL` means what it means on PostgreSQL: every data privilege on the table, never DDL (CREATE, DROP, ALTER, INDEX…). */
const ALL_DATA = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'REFERENCES', 'TRIGGER'];

export interface DesiredGrant {
  /** The MariaDB database (the grant's `schema` part). */
  database: string;
  /** A table name, or `*` for the whole database. */
  table: string;
  privileges: string[];
  path: DocPath;
}

/** The host of a platform's accounts: any address, as the platform's edge filters sources. */
export const ANY_HOST = '%';

export interface DesiredHost {
  /** The account host pattern (`10.0.0.0/255.255.255.0`, `10.0.0.5`; `%` on a platform). */
  host: string;
  path: DocPath;
}

/** The user of one integration: one account per `from` entry, each with the same password and grants. */
export interface DesiredUser {
  user: string;
  integration: string;
  /** The file's database the integration belongs to (`databases[].name`). */
  database: string;
  password: { ref: SecretRef | string; path: DocPath } | undefined;
  hosts: DesiredHost[];
  grants: DesiredGrant[];
  path: DocPath;
}

export interface DesiredDatabase {
  name: string;
  /** `database.table` names no grant may reach. */
  sensitive: Set<string>;
  path: DocPath;
}

export interface MariadbDesiredState {
  /** `provider.owner` of the file, recorded with each account it manages. */
  owner: string | undefined;
  /** The admin URL setting, which names the server: where notices about the server itself are placed (and waived). */
  adminUrlPath: DocPath;
  databases: DesiredDatabase[];
  users: DesiredUser[];
}

/**
 * What one endpoints.yaml asks of a self-managed server: every database of
 * the file, each a MariaDB database, so a grant's `schema` part must name
 * the integration's own database (`orders.line_items` in database `orders`).
 */
export function mariadbDesiredState(config: EndpointsConfig): MariadbDesiredState {
  const owner = 'owner' in config.provider ? (config.provider as { owner?: string }).owner : undefined;
  return buildState(config.databases.map((database, d) => ({ database, path: ['databases', d] })), owner, ['provider', 'adminUrl'], true);
}

/**
 * The accounts of one database of a platform (a SkySQL service, an Aptible
 * MySQL database): the platform is the edge, and its server may hold several
 * MariaDB databases, so a grant's `schema` part names any of them. The
 * platform's IP filter enforces `from`, and behind its proxy the server does
 * not see the client's address, so each integration has one account, at `%`.
 */
export function mariadbDatabaseAccounts(config: EndpointsConfig, index: number): MariadbDesiredState {
  return buildState([{ database: config.databases[index]!, path: ['databases', index] }], undefined, ['databases', index, 'adminUrl'], false);
}

function buildState(selected: { database: Database; path: DocPath }[], owner: string | undefined, adminUrlPath: DocPath, selfManaged: boolean): MariadbDesiredState {
  const databases: DesiredDatabase[] = [];
  const users: DesiredUser[] = [];
  const byUser = new Map<string, DesiredUser>();
  for (const { database, path: databasePath } of selected) {
    if (database.engine !== 'mariadb' && database.engine !== 'mysql') {
      throw new ToolError(`${formatPath([...databasePath, 'engine'])}: database ${database.name} is ${database.engine}; the mariadb engine manages only mariadb and mysql databases`);
    }
    databases.push({ name: database.name, sensitive: new Set(database.sensitive ?? []), path: databasePath });
    (database.integrations ?? []).forEach((integration, i) => {
      const path = [...databasePath, 'integrations', i];
      const existing = byUser.get(integration.user);
      if (existing) {
        throw new ToolError(`${formatPath([...path, 'user'])}: user ${integration.user} is also the user of integration ${existing.integration}; each integration needs its own user`);
      }
      const hosts = new Map<string, DesiredHost>(selfManaged ? [] : [[ANY_HOST, { host: ANY_HOST, path }]]);
      if (selfManaged) (integration.from ?? []).forEach((cidr, f) => {
        const pattern = hostPattern(cidr);
        if (!pattern.ok) throw new ToolError(`${formatPath([...path, 'from', f])}: ${pattern.reason}`);
        if (!hosts.has(pattern.host)) hosts.set(pattern.host, { host: pattern.host, path: [...path, 'from', f] });
      });
      const user: DesiredUser = {
        user: integration.user,
        integration: integration.name,
        database: database.name,
        password: integration.credentials?.password === undefined
          ? undefined
          : { ref: integration.credentials.password, path: [...path, 'credentials', 'password'] },
        hosts: [...hosts.values()],
        grants: (integration.grants ?? []).map((grant, g) => desiredGrant(grant.table, grant.privileges, database, [...path, 'grants', g], selfManaged)),
        path,
      };
      byUser.set(user.user, user);
      users.push(user);
    });
  }
  return { owner, adminUrlPath, databases, users };
}

function desiredGrant(table: string, privileges: Privilege[], database: Database, path: DocPath, ownDatabase: boolean): DesiredGrant {
  const dot = table.indexOf('.');
  const schema = table.slice(0, dot);
  const name = table.slice(dot + 1);
  const where = formatPath([...path, 'table']);
  if (ownDatabase && schema !== database.name) {
    throw new ToolError(`${where}: in MariaDB a schema is a database, so a grant of database ${database.name} names its tables as ${database.name}.<table>, not ${table}`);
  }
  const sensitive = database.sensitive ?? [];
  if (name === '*') {
    const hidden = sensitive.filter((entry) => entry.startsWith(`${schema}.`));
    if (hidden.length > 0) {
      throw new ToolError(`${where}: ${table} would also grant the sensitive ${hidden.join(', ')} (a MariaDB grant on a database covers every table in it, now and later); grant the tables one by one`);
    }
  } else if (sensitive.includes(table)) {
    throw new ToolError(`${where}: ${table} is listed as sensitive; dbfence never grants it`);
  }
  if (privileges.includes('TRUNCATE')) {
    throw new ToolError(`${formatPath([...path, 'privileges'])}: MariaDB has no TRUNCATE privilege (TRUNCATE needs DROP, which also drops the table); dbfence does not grant it`);
  }
  const expanded = privileges.flatMap((p) => (p === 'ALL' ? ALL_DATA : p === 'TRUNCATE' ? [] : PRIVILEGES[p]));
  return { database: schema, table: name, privileges: [...new Set(expanded)].sort(), path };
}

/** The MariaDB databases the grants name, for the catalogue reads. */
export function referencedDatabases(states: readonly MariadbDesiredState[]): string[] {
  return [...new Set(states.flatMap((state) => state.users.flatMap((user) => user.grants.map((grant) => grant.database))))].sort();
}
