import { connect as netConnect } from 'node:net';
import { type Connection, createConnection } from 'mariadb';
import type { EndpointsConfig, Integration } from '../../../src/model/config.js';
import { MariadbEngine, type MariadbDesiredState, mariadbDesiredState, type MariadbLive } from '../../../src/engines/mariadb/index.js';
import { applyFile } from '../../../src/plan/apply.js';
import type { ApplyResult, ChangeOutcome } from '../../../src/plan/types.js';
import type { Provider } from '../../../src/providers/types.js';
import { envSecretResolver } from '../../../src/providers/secrets.js';
import type { MariadbTestServer } from '../../helpers/mariadb-server.js';

export const ADMIN_ENV = 'DBFENCE_MARIADB_ADMIN_URL';

/** The file's `orders` database, with these integrations; `provider` is not the engine's business, so any settings do. */
export function ordersFile(integrations: Integration[], options: { owner?: string; sensitive?: string[] } = {}): EndpointsConfig {
  return {
    version: 1,
    provider: { kind: 'postgres', adminUrl: { fromEnv: ADMIN_ENV }, ...(options.owner ? { owner: options.owner } : {}) },
    databases: [{
      name: 'orders', engine: 'mariadb', sensitive: options.sensitive ?? ['orders.customers'],
      endpoints: [{ name: 'orders', exposure: 'private' }],
      integrations,
    }],
  };
}

export function integration(name: string, user: string, passwordEnv: string, extra: Partial<Integration> = {}): Integration {
  return {
    name, user, endpoint: 'orders', access: 'read-only', from: ['127.0.0.1/32'],
    grants: [{ table: 'orders.line_items', privileges: ['SELECT'] }],
    credentials: { password: { fromEnv: passwordEnv } },
    ...extra,
  };
}

export interface ApplyWith {
  onOutcome?: (outcome: ChangeOutcome) => void;
  /** What the file asks of the engine: the self-managed accounts unless a platform's are given. */
  stateOf?: (file: EndpointsConfig) => MariadbDesiredState;
}

export interface EngineHarness {
  engine: MariadbEngine;
  env: Record<string, string>;
  logs: string[];
  plan(file: EndpointsConfig): Promise<string[]>;
  /** Applies as every provider does (src/plan/apply.ts): under the engine's lock, re-read, re-planned, acknowledged, run by the runner. */
  apply(file: EndpointsConfig, allowDestructive?: boolean, options?: ApplyWith): Promise<ApplyResult>;
}

/** The engine alone as a provider, so tests apply through the one apply every provider uses. */
export function engineProvider(engine: MariadbEngine, stateOf: (file: EndpointsConfig) => MariadbDesiredState = mariadbDesiredState): Provider<MariadbLive> {
  return {
    kind: 'mariadb',
    inspect: (scope) => engine.inspect(scope.map(stateOf)),
    diff: (desired, live) => engine.changes(stateOf(desired), live),
    notices: (desired, live) => engine.notices(stateOf(desired), live),
    exclusive: (apply) => engine.exclusive(apply),
    steps: (_desired, live, changes) => engine.steps(live, changes),
    caCertificate: async () => { throw new Error('not a provider of its own'); },
    close: async () => {},
  };
}

export function engineFor(server: MariadbTestServer, env: Record<string, string>, caPem?: string): EngineHarness {
  env[ADMIN_ENV] = server.adminUrl;
  const logs: string[] = [];
  const engine = new MariadbEngine({ fromEnv: ADMIN_ENV }, 'provider.adminUrl', {
    secrets: envSecretResolver({ env }), log: (message) => logs.push(message), now: () => new Date(),
  }, { caPem: () => caPem });
  return {
    engine, env, logs,
    async plan(file) {
      const state = mariadbDesiredState(file);
      const live = await engine.inspect([state]);
      return engine.changes(state, live).map((change) => `${change.action} ${change.address}`);
    },
    apply: (file, allowDestructive = false, { onOutcome, stateOf } = {}) => applyFile(engineProvider(engine, stateOf), file, { allowDestructive, onOutcome }),
  };
}

/**
 * Logs in as an integration would: over TLS, the server's certificate
 * verified against `caPem` and its name checked, from `localAddress`.
 */
export function connectAs(server: MariadbTestServer, caPem: string, user: string, password: string, localAddress = '127.0.0.1'): Promise<Connection> {
  return createConnection({
    host: '127.0.0.1', port: server.port, user, password, connectTimeout: 5_000,
    // Node checks the certificate against `host` when no server name is given (an IP cannot be one).
    ssl: { ca: caPem, host: '127.0.0.1' } as { ca: string },
    stream: () => netConnect({ host: '127.0.0.1', port: server.port, localAddress }),
  });
}

/** Runs `use` as the integration, then closes the connection. */
export async function asIntegration<T>(server: MariadbTestServer, caPem: string, user: string, password: string, use: (c: Connection) => Promise<T>): Promise<T> {
  const connection = await connectAs(server, caPem, user, password);
  try {
    return await use(connection);
  } finally {
    await connection.end();
  }
}
