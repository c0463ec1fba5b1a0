import { ToolError } from '../../errors.js';
import type { Database, EndpointsConfig, PostgresProviderSettings, Privilege, SecretRef } from '../../model/config.js';
import { type DocPath, formatPath } from '../../model/path.js';
import { parseCidr } from '../../net/cidr.js';
import { type AccountOwnership, accountOwnership } from '../../plan/accounts.js';

/** Every role dbfence manages carries a comment starting with this; no other role is ever touched. */
export const MARKER = 'managed by dbfence';

/** `managed by dbfence[ for <owner>]: integration <name> of database <name>`; names are schema `name`s, so it parses back. */
const MARKER_FORM = /^managed by dbfence(?: for ([a-z_][a-z0-9_-]*))?: integration [a-z_][a-z0-9_-]* of database ([a-z_][a-z0-9_-]*)$/;

export function markerComment(integration: string, database: string, owner: string | undefined): string {
  return `${MARKER}${owner === undefined ? '' : ` for ${owner}`}: integration ${integration} of database ${database}`;
}

/**
 * Which file a managed role belongs to, read from its marker (see
 * `accountOwnership`). A marker in another form, such as one written by hand
 * to hand a role over, belongs to no file: any file may declare the role,
 * none drops it.
 */
export function roleOwnership(state: DesiredState, comment: string | null): AccountOwnership {
  const match = comment === null ? null : MARKER_FORM.exec(comment);
  if (!match) return 'unclaimed';
  const [, owner, database] = match as unknown as [string, string | undefined, string];
  return accountOwnership(state, { owner, database });
}

export interface DesiredGrant {
  schema: string;
  /** A table name, or `*` for every table of the schema. */
  table: string;
  privileges: Privilege[];
  path: DocPath;
}

export interface DesiredSource {
  /** Canonical CIDR (`52.20.10.10/32`). */
  cidr: string;
  path: DocPath;
}

/** The login role of one integration and everything it should hold. */
export interface DesiredRole {
  user: string;
  integration: string;
  database: string;
  /** `provider.owner` of the file. */
  owner: string | undefined;
  comment: string;
  password: { ref: SecretRef | string; path: DocPath } | undefined;
  sources: DesiredSource[];
  grants: DesiredGrant[];
  path: DocPath;
}

export interface DesiredDatabase {
  name: string;
  /** `schema.table` names no grant may reach. */
  sensitive: Set<string>;
  path: DocPath;
}

export interface DesiredState {
  /** The file itself, for the certificate part, which reads endpoints and defaults. */
  config: EndpointsConfig;
  /** `provider.owner` of the file: the name its roles' markers carry. */
  owner: string | undefined;
  /**
   * Set for a self-managed server (the `postgres` provider): its edge is
   * pg_hba.conf and the server certificate, managed with the accounts. Unset
   * where the platform is the edge (Aptible endpoints and IP filters): only
   * roles and grants are managed, and `from` is the edge's business.
   */
  selfManaged: PostgresProviderSettings | undefined;
  databases: DesiredDatabase[];
  roles: DesiredRole[];
}

/**
 * What one endpoints.yaml asks of a self-managed server. Refuses what this
 * engine cannot carry out (another engine, one user for two integrations)
 * with a ToolError naming the place in the file.
 */
export function desiredState(config: EndpointsConfig): DesiredState {
  if (config.provider.kind !== 'postgres') {
    throw new ToolError(`provider.kind: ${config.provider.kind} is not handled by the postgres provider`);
  }
  const settings = config.provider;
  config.databases.forEach((database, d) => {
    if (database.adminUrl !== undefined) {
      throw new ToolError(`${formatPath(['databases', d, 'adminUrl'])}: the postgres provider reaches every database through provider.adminUrl; remove this one`);
    }
  });
  const databases = config.databases.map((database, d) => ({ database, path: ['databases', d], sqlName: database.name }));
  return buildState(config, databases, settings.owner, settings);
}

/**
 * The accounts of one database of a platform whose edge is not pg_hba.conf
 * (Aptible): its integrations' roles and grants, in `sqlName`, the database
 * the admin URL opens (Aptible names it `db` whatever the handle).
 */
export function databaseAccounts(config: EndpointsConfig, index: number, sqlName: string): DesiredState {
  const database = config.databases[index]!;
  return buildState(config, [{ database, path: ['databases', index], sqlName }], undefined, undefined);
}

function buildState(
  config: EndpointsConfig, selected: { database: Database; path: DocPath; sqlName: string }[],
  owner: string | undefined, selfManaged: PostgresProviderSettings | undefined,
): DesiredState {
  const databases: DesiredDatabase[] = [];
  const roles: DesiredRole[] = [];
  const byUser = new Map<string, DesiredRole>();
  for (const { database, path: databasePath, sqlName } of selected) {
    if (database.engine !== 'postgresql') {
      throw new ToolError(`${formatPath([...databasePath, 'engine'])}: database ${database.name} is ${database.engine}; the postgres provider manages only postgresql databases`);
    }
    databases.push({ name: sqlName, sensitive: new Set(database.sensitive ?? []), path: databasePath });
    (database.integrations ?? []).forEach((integration, i) => {
      const path = [...databasePath, 'integrations', i];
      const existing = byUser.get(integration.user);
      if (existing) {
        throw new ToolError(`${formatPath([...path, 'user'])}: user ${integration.user} is also the user of integration ${existing.integration}; each integration needs its own user`);
      }
      const role: DesiredRole = {
        user: integration.user,
        integration: integration.name,
        database: sqlName,
        owner,
        comment: markerComment(integration.name, sqlName, owner),
        password: integration.credentials?.password === undefined
          ? undefined
          : { ref: integration.credentials.password, path: [...path, 'credentials', 'password'] },
        // Without pg_hba.conf to write, the sources are the platform edge's (its IP filters), not the role's.
        sources: !selfManaged ? [] : (integration.from ?? []).map((text, f) => {
          const parsed = parseCidr(text);
          if (!parsed.ok) throw new ToolError(`${formatPath([...path, 'from', f])}: ${text} is not a CIDR: ${parsed.reason}`);
          return { cidr: parsed.network.canonical, path: [...path, 'from', f] };
        }),
        grants: (integration.grants ?? []).map((grant, g) => {
          const dot = grant.table.indexOf('.');
          return {
            schema: grant.table.slice(0, dot),
            table: grant.table.slice(dot + 1),
            privileges: grant.privileges,
            path: [...path, 'grants', g],
          };
        }),
        path,
      };
      byUser.set(role.user, role);
      roles.push(role);
    });
  }
  return { config, owner, selfManaged, databases, roles };
}

/** The schemas each database's grants name, for the catalog reads. */
export function referencedSchemas(state: DesiredState): Map<string, Set<string>> {
  const schemas = new Map<string, Set<string>>(state.databases.map((d) => [d.name, new Set<string>()]));
  for (const role of state.roles) {
    for (const grant of role.grants) schemas.get(role.database)?.add(grant.schema);
  }
  return schemas;
}
