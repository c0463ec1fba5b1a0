import type { Connection } from 'mariadb';
import { ToolError } from '../../errors.js';
import type { SecretRef } from '../../model/config.js';
import type { SecretResolver } from '../../providers/types.js';
import { formatDuration } from '../postgresql/admin-url.js';
import { type AdminUrl, parseAdminUrl, TIMEOUTS, type Trust } from './admin-url.js';

/** Where the admin URL points. */
export interface ServerAddress {
  host: string;
  port: number;
  user: string;
}

/** A server error as one line: its own message and number, never the statement (it may hold a password hash). */
export function errorMessage(error: unknown): string {
  const { sqlMessage, errno, code } = error as { sqlMessage?: string | null; errno?: number; code?: string };
  if (typeof sqlMessage === 'string' && sqlMessage !== '') return `${sqlMessage} (error ${errno ?? code})`;
  const message = error instanceof Error ? error.message : String(error);
  // The driver appends the statement after a newline ("sql: …"): keep only the first line.
  return message.split('\n')[0]!.replace(/^\(conn:[^)]*\)\s*/, '');
}

export function errorNumber(error: unknown): number | undefined {
  const errno = (error as { errno?: unknown }).errno;
  return typeof errno === 'number' ? errno : undefined;
}

/**
 * The admin connection of one engine operation, opened on first use, with a
 * count of the statements sent, so a benchmark can show that reads do not
 * grow with the number of integrations. Every statement runs under the
 * server's `max_statement_time` and lock-wait bounds, and the client drops a
 * connection silent for longer than any of them.
 */
export class Session {
  statements = 0;
  private connection: Promise<Connection> | undefined;

  private constructor(private readonly url: AdminUrl, readonly server: ServerAddress) {}

  static open(adminUrl: SecretRef, where: string, secrets: SecretResolver, trust: Trust): Session {
    const url = parseAdminUrl(secrets.resolve(adminUrl, where), where, trust);
    return new Session(url, { host: url.host, port: url.port, user: url.user });
  }

  private connect(): Promise<Connection> {
    this.connection ??= this.openConnection();
    return this.connection;
  }

  private async openConnection(): Promise<Connection> {
    const { host, port, user, password, ssl, connectTimeoutMs } = this.url;
    const seconds = TIMEOUTS.statementMs / 1000;
    // Loaded at the first connection, so `lint` (which never connects) never evaluates the driver.
    const { createConnection } = await import(/* webpackMode: "eager" */ 'mariadb');
    let connection: Connection;
    try {
      connection = await createConnection({
        host, port, user, password,
        ...(ssl ? { ssl } : {}),
        connectTimeout: connectTimeoutMs,
        socketTimeout: TIMEOUTS.socketMs,
        keepAliveDelay: 30_000,
        // The bounds hold on the server: a statement, and any wait for a table's metadata or a row lock.
        // Backslashes escape in string literals whatever the server's sql_mode, as sql.ts quotes them.
        initSql: [
          `SET SESSION max_statement_time = ${seconds}, lock_wait_timeout = ${seconds}, innodb_lock_wait_timeout = ${seconds}`,
          "SET SESSION sql_mode = REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', '')",
        ],
        bigIntAsNumber: true,
        decimalAsNumber: true,
        multipleStatements: false,
        allowPublicKeyRetrieval: false,
      });
    } catch (error) {
      this.connection = undefined;
      const message = errorMessage(error);
      const reason = /timeout/i.test(message) && !/max_statement_time/.test(message) ? `no answer within ${formatDuration(connectTimeoutMs)}` : message;
      throw new ToolError(`mariadb: cannot connect to ${host}:${port} as ${user}: ${reason}`);
    }
    // A connection the server ends between statements (a KILL, a restart) fails the next statement, which says so;
    // without a listener the event would end the process.
    connection.on('error', () => {});
    return connection;
  }

  async query<Row = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<Row[]> {
    const connection = await this.connect();
    this.statements += 1;
    const result: unknown = await connection.query(sql, values);
    return (Array.isArray(result) ? result : []) as Row[];
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.then((c) => c.end()).catch(() => {});
  }
}
