import type { Connection } from 'mariadb';
import { ToolError } from '../../errors.js';
import type { SecretRef } from '../../model/config.js';
import type { SecretResolver } from '../../providers/types.js';
import { formatDuration } from '../postgresql/admin-url.js';
import { type AdminUrl, parseAdminUrl, TIMEOUTS, type Trust } from './admin-url.js';
import { type Dialect, detectDialect } from './dialect.js';

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

/** What inspect and apply need of the admin connection (a test stands in for it with recorded rows). */
export interface SqlSession {
  /** Statements sent by `query`: the connection's own set-up is not counted. */
  readonly statements: number;
  readonly server: ServerAddress;
  /** The server's dialect, known once connected. */
  dialect(): Promise<Dialect>;
  query<Row = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<Row[]>;
}

/**
 * The admin connection of one engine operation, opened on first use, with a
 * count of the statements sent, so a benchmark can show that reads do not
 * grow with the number of integrations. Every statement runs under the
 * server's `max_statement_time` and lock-wait bounds, and the client drops a
 * connection silent for longer than any of them.
 */
export class Session implements SqlSession {
  statements = 0;
  private connection: Promise<{ connection: Connection; dialect: Dialect }> | undefined;

  private constructor(private readonly url: AdminUrl, readonly server: ServerAddress) {}

  static open(adminUrl: SecretRef, where: string, secrets: SecretResolver, trust: Trust): Session {
    const url = parseAdminUrl(secrets.resolve(adminUrl, where), where, trust);
    return new Session(url, { host: url.host, port: url.port, user: url.user });
  }

  private connect(): Promise<{ connection: Connection; dialect: Dialect }> {
    this.connection ??= this.openConnection();
    return this.connection;
  }

  async dialect(): Promise<Dialect> {
    return (await this.connect()).dialect;
  }

  private async openConnection(): Promise<{ connection: Connection; dialect: Dialect }> {
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
        // Backslashes escape in string literals whatever the server's sql_mode, as sql.ts quotes them.
        initSql: ["SET SESSION sql_mode = REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', '')"],
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
    try {
      const [about] = (await connection.query('SELECT VERSION() AS version, @@version_comment AS comment')) as { version: string; comment: string | null }[];
      const dialect = detectDialect(String(about?.version ?? ''), String(about?.comment ?? ''));
      // The bounds hold on the server: a statement, and any wait for a table's metadata or a row lock.
      await connection.query(dialect.statementBound(seconds));
      return { connection, dialect };
    } catch (error) {
      this.connection = undefined;
      await connection.end().catch(() => {});
      if (error instanceof ToolError) throw error;
      throw new ToolError(`mariadb: setting up the admin connection to ${host}:${port} failed: ${errorMessage(error)}`);
    }
  }

  async query<Row = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<Row[]> {
    const { connection } = await this.connect();
    this.statements += 1;
    const result: unknown = await connection.query(sql, values);
    return (Array.isArray(result) ? result : []) as Row[];
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.then(({ connection: c }) => c.end()).catch(() => {});
  }
}
