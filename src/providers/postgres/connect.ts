import pg from 'pg';
import { ToolError } from '../../errors.js';
import type { PostgresProviderSettings } from '../../model/config.js';
import type { SecretResolver } from '../types.js';

const CONNECT_TIMEOUT_MS = 10_000;

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
 * The connections of one provider operation: one per database, all made from
 * the admin URL, and a count of the statements sent so a benchmark can show
 * that reads do not grow with the number of integrations.
 */
export class Session {
  statements = 0;
  private readonly clients = new Map<string, Promise<pg.Client>>();

  private constructor(private readonly url: URL, readonly server: ServerAddress) {}

  static open(settings: PostgresProviderSettings, secrets: SecretResolver): Session {
    const text = secrets.resolve(settings.adminUrl, 'provider.adminUrl');
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new ToolError('provider.adminUrl: the secret is not a postgres:// connection URL');
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      throw new ToolError('provider.adminUrl: the secret is not a postgres:// connection URL');
    }
    const resolved = new pg.Client({ connectionString: text });
    const database = resolved.database ?? resolved.user ?? 'postgres';
    return new Session(url, { host: resolved.host, port: resolved.port, user: resolved.user ?? '', database });
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
    const url = new URL(this.url);
    url.pathname = `/${encodeURIComponent(database)}`;
    const client = new pg.Client({
      connectionString: url.toString(),
      application_name: 'dbfence',
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    // A connection the server ends while idle reports it here; the next query
    // on it fails and is handled there, so this must only keep Node from crashing.
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      const { host, port, user } = this.server;
      throw new ToolError(`postgres: cannot connect to ${host}:${port} (database ${database}) as ${user}: ${errorMessage(error)}`);
    }
    return client;
  }

  async query<Row extends object = Record<string, unknown>>(client: pg.ClientBase, text: string, params?: unknown[]): Promise<Row[]> {
    this.statements += 1;
    const result = await client.query(text, params);
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
