import type { ServerAddress } from './connect.js';
import type { Dialect } from './dialect.js';

export interface LiveAccount {
  user: string;
  host: string;
  /** The authentication plugin; `chained` when the account has several (`IDENTIFIED VIA a OR b`). */
  plugin: string;
  /** What the plugin stores: a hash, never a password (on MySQL its bytes, read in hex, as a latin1 string: caching_sha2_password's salt is binary). */
  authenticationString: string;
  /** `REQUIRE`: NONE, SSL (any TLS), X509 or SPECIFIED (issuer, subject or cipher). */
  require: 'NONE' | 'SSL' | 'X509' | 'SPECIFIED';
  locked: boolean;
  defaultRole: string;
}

/** One privilege an account holds, at one level. */
export interface LivePrivilege {
  user: string;
  host: string;
  level: 'global' | 'database' | 'table' | 'column' | 'routine' | 'role' | 'proxy';
  /** As stored: a `db.*` grant's name is a pattern (`my\_db`). */
  database: string | null;
  /** A table, routine, role or proxied account. */
  object: string | null;
  /** A MySQL role's host: a role is an account there (MariaDB's roles have none). */
  objectHost?: string;
  column: string | null;
  /** `SELECT`…; `PROCEDURE`/`FUNCTION`/`PACKAGE`… precede a routine's; `MEMBER` for a role, `PROXY` for a proxy. */
  privilege: string;
  routineType: string | null;
  grantable: boolean;
}

/** A row of `dbfence.accounts`: an account some file manages (the account itself may be gone, or not made yet). */
export interface OwnershipRecord {
  user: string;
  host: string;
  integration: string;
  database: string;
  /** The `provider.owner` of the file that wrote it, or null when it has none. */
  owner: string | null;
}

export interface LiveSession {
  id: number;
  user: string;
  /** The client's address, or undefined for a socket connection. */
  address: string | undefined;
}

export interface MariadbLive {
  server: ServerAddress;
  /** MariaDB or MySQL, and what differs between them. */
  dialect: Dialect;
  /** `SELECT VERSION()`. */
  version: string;
  /** `CURRENT_USER()`, whose accounts are never touched. */
  adminAccount: { user: string; host: string };
  skipNameResolve: boolean;
  /** MySQL's `mandatory_roles`: roles every account is granted (none on MariaDB, whose PUBLIC is in `privileges`). */
  mandatoryRoles: { user: string; host: string }[];
  /** Accounts of the files' users, of managed users, and anonymous ones (`''@host`), by user name. */
  accounts: Map<string, LiveAccount[]>;
  /** Privileges of those accounts and of MariaDB's `PUBLIC`. */
  privileges: LivePrivilege[];
  /** Every row of `dbfence.accounts` (empty before the first apply made the table). */
  records: OwnershipRecord[];
  /** Databases on the server. */
  databases: Set<string>;
  /** Tables (and views) of the databases the grants name. */
  tables: Map<string, Set<string>>;
  /** Client sessions of the users above. */
  sessions: LiveSession[];
  /** The SQL statements `inspect` sent: flat, whatever the number of integrations. */
  statementCount: number;
}
