import type { ConnectionOptions } from 'node:tls';
import { type Connection, createConnection } from 'mariadb';
import type { EndpointsConfig, Integration } from '../../../src/model/config.js';
import { createMariadbProvider } from '../../../src/providers/mariadb/index.js';
import { envSecretResolver } from '../../../src/providers/secrets.js';
import type { Provider } from '../../../src/providers/types.js';
import { createCa } from '../../../src/tls/ca.js';
import type { PemPair } from '../../../src/tls/pem.js';
import { startMariadbServer, type MariadbTestServer } from '../../helpers/mariadb-server.js';

export const ADMIN_ENV = 'DBFENCE_MARIADB_ADMIN_URL';
/** The name integrations verify: the endpoint's hostname. */
export const HOSTNAME = 'orders.db.test';

/** A private MariaDB serving TLS from a certificate of `ca` (for 127.0.0.1, where the admin URL reaches it), with the `orders` database. */
export async function startOrdersServer(ca: PemPair): Promise<{ server: MariadbTestServer; files: { certFile: string; keyFile: string } }> {
  const server = await startMariadbServer({ tls: { ca, hostnames: ['127.0.0.1'] } });
  for (const statement of [
    'CREATE DATABASE orders',
    'CREATE TABLE orders.orders (id INT PRIMARY KEY, total DECIMAL(10, 2))',
    'CREATE TABLE orders.line_items (id INT PRIMARY KEY, order_id INT)',
    'CREATE TABLE orders.users (id INT PRIMARY KEY, email TEXT)',
    'INSERT INTO orders.orders VALUES (1, 10), (2, 20)',
    "INSERT INTO orders.users VALUES (1, 'someone@example.com')",
  ]) await server.sql(statement);
  const [loaded] = await server.sql<{ cert: string; keyfile: string }>('SELECT @@ssl_cert AS cert, @@ssl_key AS keyfile');
  return { server, files: { certFile: loaded!.cert, keyFile: loaded!.keyfile } };
}

export function newCa(): PemPair {
  return createCa({ commonName: 'dbfence MariaDB provider test CA', validityDays: 365 });
}

/** The CA's secrets, and the admin URL's, as the environment holds them. */
export function envFor(server: MariadbTestServer, ca: PemPair, passwords: Record<string, string> = {}): Record<string, string> {
  return { [ADMIN_ENV]: server.adminUrl, CA_CERT: ca.certificatePem, CA_KEY: ca.keyPem, ...passwords };
}

export function integration(name: string, user: string, overrides: Partial<Integration> = {}): Integration {
  return {
    name, user, endpoint: 'orders-public', access: 'read-only',
    from: ['127.0.0.1/32'],
    grants: [{ table: 'orders.orders', privileges: ['SELECT'] }, { table: 'orders.line_items', privileges: ['SELECT'] }],
    tls: { verify: 'full' },
    credentials: { password: { fromEnv: `${user.toUpperCase()}_PASSWORD` } },
    ...overrides,
  };
}

export function ordersConfig(files: { certFile: string; keyFile: string }, integrations: Integration[], hostnames = [HOSTNAME]): EndpointsConfig {
  return {
    version: 1,
    provider: {
      kind: 'mariadb', adminUrl: { fromEnv: ADMIN_ENV },
      ca: { certificate: { fromEnv: 'CA_CERT' }, key: { fromEnv: 'CA_KEY' } },
      serverCertificate: files,
    },
    databases: [{
      name: 'orders',
      engine: 'mariadb',
      sensitive: ['orders.users'],
      endpoints: hostnames.map((hostname, i) => ({
        name: i === 0 ? 'orders-public' : `orders-public-${i}`, exposure: 'public' as const, hostname, allow: [{ cidr: '127.0.0.0/8' }],
      })),
      integrations,
    }],
  };
}

export function providerFor(config: EndpointsConfig, env: NodeJS.ProcessEnv, log: (message: string) => void = () => {}): Provider {
  return createMariadbProvider(config, { secrets: envSecretResolver({ env }), log, now: () => new Date() });
}

export async function planOnce(config: EndpointsConfig, env: NodeJS.ProcessEnv) {
  const provider = providerFor(config, env);
  try {
    const live = await provider.inspect([config]);
    return { changes: provider.diff(config, live), notices: provider.notices(config, live) };
  } finally {
    await provider.close();
  }
}

/**
 * An integration's own connection, as its client would open it: TLS checked
 * against the CA, the certificate's name checked against `hostname` (the
 * `mariadb` driver verifies it; the address is 127.0.0.1, where the name
 * would resolve).
 */
export function connectAs(server: MariadbTestServer, ca: PemPair, user: string, password: string, hostname = HOSTNAME): Promise<Connection> {
  const ssl: ConnectionOptions = { ca: ca.certificatePem, host: hostname };
  return createConnection({ host: '127.0.0.1', port: server.port, user, password, database: 'orders', ssl, connectTimeout: 5_000 });
}
