import pg from 'pg';
import { ToolError } from '../../errors.js';
import type { SecretRef } from '../../model/config.js';
import type { SecretResolver } from '../../providers/types.js';
import { type AdminUrl, formatDuration, KEEPALIVE_IDLE_MS, parseAdminUrl } from './admin-url.js';

/** Where the admin URL points: the server dbfence manages and the TLS target of its certificate. */
export interface ServerAddress {
  host: string;
  port: number;
  user: string;
  database: string;
}

/** One line about a failure, for reports: the server's message, never the URL. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A connection to one database whose failures say what timed out, where
 * and after how long. When the client's own wait runs out the connection
 * is dropped: its statement may still be running, and the server rolls back
 * the transaction and releases the session's locks when the link goes.
 */
class AdminClient extends pg.Client {
  /** Why the server ended the connection while no statement was running (idle_in_transaction_session_timeout, a restart…). */
  private lost: unknown;

  constructor(config: pg.ClientConfig, private readonly url: AdminUrl, private readonly databaseName: string) {
    super(config);
    // Reported here, not to a query: the next statement on the connection fails, and says this.
    this.on('error', (error) => { this.lost ??= this.describe(error, undefined); });
  }

  // The promise forms are the only ones dbfence uses; the others pass through untouched.
  override query(...args: unknown[]): never {
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (!(result instanceof Promise)) return result as never;
    const own = (args[0] as { query_timeout?: number } | undefined)?.query_timeout;
    return result.catch((error: unknown) => {
      throw this.lost ?? this.describe(error, own ?? this.url.queryTimeoutMs);
    }) as never;
  }

  private describe(error: unknown, queryTimeoutMs: number | undefined): unknown {
    const code = (error as { code?: string }).code;
    const message = errorMessage(error);
    const { timeouts } = this.url;
    const where = `database ${this.databaseName}`;
    let text: string | undefined;
    if (message === 'Query read timeout') {
      this.connection.stream.destroy();
      text = `${where} did not answer within ${formatDuration(queryTimeoutMs!)}; dbfence dropped the connection`;
    } else if (code === '57014' && /statement timeout/.test(message)) {
      text = `a statement in ${where} ran longer than statement_timeout (${formatDuration(timeouts.statementMs)}) and was cancelled`;
    } else if (code === '55P03') {
      text = `a statement in ${where} waited longer than lock_timeout (${formatDuration(timeouts.lockMs)}) for a lock held by another session and was cancelled`;
    } else if (code === '25P03') {
      text = `the server ended the connection to ${where} after idle_in_transaction_session_timeout (${formatDuration(timeouts.idleInTransactionMs)})`;
    }
    return text === undefined ? error : Object.assign(new Error(text), { code });
  }
}

/**
 * The connections of one provider operation: one per database, all made from
 * the admin URL, and a count of the statements sent so a benchmark can show
 * that reads do not grow with the number of integrations.
 */
export class Session {
  statements = 0;
  private readonly clients = new Map<string, Promise<pg.Client>>();

  private constructor(private readonly url: AdminUrl, readonly server: ServerAddress) {}

  /** `where` names the setting in the file: `provider.adminUrl`, or `databases[0].adminUrl` on a platform. */
  static open(adminUrl: SecretRef, where: string, secrets: SecretResolver): Session {
    const url = parseAdminUrl(secrets.resolve(adminUrl, where), where);
    return new Session(url, { host: url.host, port: url.port, user: url.user, database: url.database });
  }

  /** The connection to the admin URL's own database: cluster-wide reads, the apply lock, server files. */
  admin(): Promise<pg.Client> {
    return this.database(this.server.database);
  }

  /** A shared connection to one database, opened on first use. */
  database(name: string): Promise<pg.Client> {
    let client = this.clients.get(name);
    if (!client) {
      client = this.connect(name);
      this.clients.set(name, client);
      client.catch(() => this.clients.delete(name));
    }
    return client;
  }

  /** A new connection of its own, closed by the caller: proves the server still admits the admin. */
  async connect(database: string): Promise<pg.Client> {
    const { host, port, user, password, ssl, options, timeouts, queryTimeoutMs } = this.url;
    // dbfence's bounds go first in `options`, so a `-c` of the URL's own overrides them.
    const bounds = `-c statement_timeout=${timeouts.statementMs} -c lock_timeout=${timeouts.lockMs} -c idle_in_transaction_session_timeout=${timeouts.idleInTransactionMs}`;
    const client = new AdminClient({
      host, port, user, password, database, ssl,
      options: options ? `${bounds} ${options}` : bounds,
      application_name: 'dbfence',
      connectionTimeoutMillis: timeouts.connectMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
      ...(queryTimeoutMs ? { query_timeout: queryTimeoutMs } : {}),
    }, this.url, database);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      const reason = errorMessage(error) === 'timeout expired' ? `no answer within ${formatDuration(timeouts.connectMs)} (connect_timeout)` : errorMessage(error);
      throw new ToolError(`postgres: cannot connect to ${host}:${port} (database ${database}) as ${user}: ${reason}`);
    }
    return client;
  }

  /** `waitMs` replaces the client's own bound for a statement that is meant to wait longer (the apply lock). */
  async query<Row extends object = Record<string, unknown>>(
    client: pg.ClientBase, text: string, params?: unknown[], waitMs?: number,
  ): Promise<Row[]> {
    this.statements += 1;
    const result = await client.query({ text, ...(params ? { values: params } : {}), ...(waitMs ? { query_timeout: waitMs } : {}) });
    return result.rows as Row[];
  }

  /** The client as code outside this module uses it, its statements counted too. */
  counted(client: pg.Client): pg.Client {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    return new Proxy(client, {
      get: (target, property, receiver) => {
        if (property !== 'query') return Reflect.get(target, property, receiver);
        return (...args: unknown[]) => {
          this.statements += 1;
          return query(...args);
        };
      },
    });
  }

  /** Sends several statements in one round trip (simple protocol), counting each. */
  async exec(client: pg.ClientBase, statements: readonly string[]): Promise<void> {
    this.statements += statements.length;
    await client.query(statements.join(';\n'));
  }

  /** Forgets a connection that failed mid-operation, so later steps open a new one. */
  discard(name: string): void {
    const client = this.clients.get(name);
    this.clients.delete(name);
    client?.then((c) => c.end()).catch(() => {});
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.then((client) => client.end()).catch(() => {})));
  }
}
