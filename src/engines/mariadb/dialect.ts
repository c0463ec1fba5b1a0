import { ToolError } from '../../errors.js';
import type { Plugin } from './passwords.js';
import { account, ident } from './sql.js';

/**
 * What differs between the servers the engine manages: MariaDB 10.6 and
 * later, and MySQL 8.0 and later (Aptible's MySQL databases). MySQL's side
 * is built from MySQL's documentation and source and checked against
 * recorded catalogue rows and hash vectors, not against a running MySQL.
 */
export interface Dialect {
  kind: 'mariadb' | 'mysql';
  /** `MariaDB 10.11.19`, `MySQL 8.0.36`: for messages. */
  label: string;
  /** `SELECT VERSION()`. */
  version: string;
  /** The plugin of new accounts, and of accounts whose plugin dbfence cannot check. */
  defaultPlugin: Plugin;
  /** The plugins an account keeps when it already uses one: its string is computed and compared. */
  kept: readonly Plugin[];
  /** Bounds every statement of the session on the server (the lock waits are set for both). */
  statementBound(seconds: number): string;
  /** `GET_LOCK`, exempt from the statement bound: its wait is bounded by its own argument. */
  lockSql(waitSeconds: number): string;
  /** `REVOKE`, or `REVOKE IF EXISTS` where the server has it: a grant gone meanwhile is then no failure. */
  revoke: string;
  /** Clears an account's default role. */
  clearDefaultRole(to: string): string;
  /** Revokes a role; MySQL's roles are accounts, with a host. */
  revokeRole(role: { user: string; host: string | null }, from: string): string;
}

const MARIADB_MINIMUM = [10, 6] as const;
const MYSQL_MINIMUM = [8, 0] as const;
/** MySQL 8.4 no longer loads mysql_native_password by default (deprecated in 8.0.34, removed in 9.0). */
const MYSQL_WITHOUT_NATIVE = [8, 4] as const;
/** `REVOKE IF EXISTS` (https://dev.mysql.com/doc/refman/8.0/en/revoke.html). */
const MYSQL_REVOKE_IF_EXISTS = [8, 0, 30] as const;

function atLeast(version: readonly number[], minimum: readonly number[]): boolean {
  for (let i = 0; i < minimum.length; i++) {
    const have = version[i] ?? 0;
    if (have !== minimum[i]) return have > minimum[i]!;
  }
  return true;
}

/**
 * The dialect of the server that answered `SELECT VERSION(), @@version_comment`:
 * MariaDB says so in its version (`10.11.19-MariaDB-0+deb12u1`); anything
 * else is MySQL (`8.0.36`, "MySQL Community Server - GPL"), or a server that
 * speaks its SQL (Percona Server). An older server is a ToolError.
 */
export function detectDialect(version: string, comment: string): Dialect {
  const numbers = (/^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version) ?? []).slice(1).map((n) => Number(n ?? 0));
  const mariadb = /MariaDB/i.test(version) || /MariaDB/i.test(comment);
  const kind = mariadb ? 'mariadb' : 'mysql';
  // `10.11.19-MariaDB-0+deb12u1` shows as MariaDB 10.11.19, `5.7.44-log` as MySQL 5.7.44.
  const shown = `${mariadb ? 'MariaDB' : 'MySQL'} ${version.split('-')[0]}`;
  const minimum = mariadb ? MARIADB_MINIMUM : MYSQL_MINIMUM;
  if (numbers.length === 0 || !atLeast(numbers, minimum)) {
    throw new ToolError(`mariadb: the server runs ${shown}; dbfence needs MariaDB ${MARIADB_MINIMUM.join('.')} or MySQL ${MYSQL_MINIMUM.join('.')} and later`);
  }
  if (kind === 'mariadb') {
    return {
      kind, label: shown, version,
      defaultPlugin: 'mysql_native_password',
      kept: ['mysql_native_password', 'ed25519'],
      statementBound: (seconds) => `SET SESSION max_statement_time = ${seconds}, lock_wait_timeout = ${seconds}, innodb_lock_wait_timeout = ${seconds}`,
      lockSql: () => 'SET STATEMENT max_statement_time = 0 FOR SELECT GET_LOCK(?, ?) AS locked',
      revoke: 'REVOKE',
      clearDefaultRole: (to) => `SET DEFAULT ROLE NONE FOR ${to}`,
      revokeRole: (role, from) => `REVOKE ${ident(role.user)} FROM ${from}`,
    };
  }
  return {
    kind, label: shown, version,
    defaultPlugin: 'caching_sha2_password',
    kept: atLeast(numbers, MYSQL_WITHOUT_NATIVE) ? ['caching_sha2_password'] : ['caching_sha2_password', 'mysql_native_password'],
    // max_execution_time bounds reads only (in milliseconds); account statements wait only for metadata locks.
    statementBound: (seconds) => `SET SESSION max_execution_time = ${seconds * 1000}, lock_wait_timeout = ${seconds}, innodb_lock_wait_timeout = ${seconds}`,
    lockSql: (waitSeconds) => `SELECT /*+ MAX_EXECUTION_TIME(${(waitSeconds + 30) * 1000}) */ GET_LOCK(?, ?) AS locked`,
    revoke: atLeast(numbers, MYSQL_REVOKE_IF_EXISTS) ? 'REVOKE IF EXISTS' : 'REVOKE',
    clearDefaultRole: (to) => `SET DEFAULT ROLE NONE TO ${to}`,
    revokeRole: (role, from) => `REVOKE ${account(role.user, role.host ?? '%')} FROM ${from}`,
  };
}
