import type { CertificateLive } from '../../edges/pg-hba/certificate.js';
import type { ServerAddress } from './connect.js';

/** The role options dbfence sets, and the value every managed role must have. */
export const ROLE_OPTIONS = {
  login: { keyword: 'LOGIN', desired: true },
  superuser: { keyword: 'SUPERUSER', desired: false },
  createdb: { keyword: 'CREATEDB', desired: false },
  createrole: { keyword: 'CREATEROLE', desired: false },
  replication: { keyword: 'REPLICATION', desired: false },
  bypassrls: { keyword: 'BYPASSRLS', desired: false },
} as const;

export type RoleOption = keyof typeof ROLE_OPTIONS;

export interface LiveRole {
  oid: number;
  name: string;
  /** Carries dbfence's marker comment (and is not the admin, a `pg_*` or the bootstrap role). */
  managed: boolean;
  comment: string | null;
  options: Record<RoleOption, boolean>;
  /** `pg_authid.rolpassword`: a verifier, never a password. */
  verifier: string | null;
  /** Role memberships, with who granted each (PostgreSQL 16 revokes a membership per grantor). */
  memberOf: { group: string; grantor: string }[];
  /** Databases where it owns objects or holds privileges (pg_shdepend): where a drop must clean up. */
  dependentDatabases: string[];
}

interface LiveGrant {
  role: string;
  privileges: string[];
  /** Some privilege carries WITH GRANT OPTION. */
  grantable: boolean;
}

export interface LiveDatabaseGrant extends LiveGrant {
  database: string;
}

export interface LiveRelationGrant extends LiveGrant {
  schema: string;
  name: string;
  sequence: boolean;
}

export interface LiveSchemaGrant extends LiveGrant {
  schema: string;
}

/** Any other object a managed role holds privileges on: revoked as a whole. */
export type LiveOtherGrant = { role: string; kind: string; identity: string } & (
  | { type: 'column'; relation: string; column: string }
  /** `keyword` names the object class in GRANT syntax; `target` is PostgreSQL's own quoted identity. */
  | { type: 'object'; keyword: string; target: string }
  | { type: 'default'; owner: string; schema: string | null; objects: string }
  | { type: 'unsupported' }
);

export interface LiveDatabase {
  name: string;
  relationGrants: LiveRelationGrant[];
  schemaGrants: LiveSchemaGrant[];
  otherGrants: LiveOtherGrant[];
  /** Schemas the files' grants name that exist, each with its tables, views and foreign tables (not partitions). */
  relations: Map<string, Set<string>>;
}

export interface LiveHba {
  path: string;
  text: string;
  /** Lines pg_hba_file_rules reports in error right now (the file on disk, not what is loaded). */
  errors: { line: number; error: string }[];
  /**
   * Set when the file may have changed since the server last loaded its
   * configuration (an apply that stopped between writing and reloading):
   * the rules enforced may then not be the ones in `text`.
   */
  pendingReload: { modified: Date; loaded: Date } | undefined;
}

export interface PostgresLive {
  server: ServerAddress;
  version: number;
  adminUser: string;
  /** The `ssl` setting: `hostssl` lines admit nobody while it is off. */
  ssl: boolean;
  /**
   * Client sessions whose role no longer exists, as an apply killed between
   * DROP ROLE and ending the role's sessions leaves them: they keep what
   * PUBLIC holds. `oid` is the gone role's.
   */
  orphanedSessions: { pid: number; oid: number }[];
  /** Managed roles, and roles of the files' users whether managed or not. */
  roles: Map<string, LiveRole>;
  databaseGrants: LiveDatabaseGrant[];
  /** Every database on the server, by name. */
  databaseNames: Set<string>;
  /** The databases read: the files' databases and those where managed roles hold anything. */
  databases: Map<string, LiveDatabase>;
  /** Read only for a self-managed server, whose edge is pg_hba.conf. */
  hba: LiveHba | undefined;
  /** What TLS the server serves; read when the files name an endpoint hostname. */
  certificate: CertificateLive | undefined;
  /** The SQL statements `inspect` sent: grows with databases, never with integrations. */
  statementCount: number;
}
