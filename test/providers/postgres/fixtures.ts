import { generateKeyPairSync } from 'node:crypto';
import { chownSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import pg from 'pg';
import type { EndpointsConfig, Integration } from '../../../src/model/config.js';
import type { ApplyResult } from '../../../src/plan/types.js';
import { createPostgresProvider } from '../../../src/providers/postgres/index.js';
import { envSecretResolver } from '../../../src/providers/secrets.js';
import type { Provider } from '../../../src/providers/types.js';
import type { TestServer } from '../../helpers/pg-server.js';
import { applyFile } from '../../../src/plan/apply.js';

export const ADMIN_ENV = 'DBFENCE_PG_ADMIN_URL';

/** A real client connection; callers end it. */
export async function connect(url: string, options: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, ...options });
  client.on('error', () => {});
  await client.connect();
  return client;
}

export async function withAdmin<T>(server: TestServer, use: (client: pg.Client) => Promise<T>, database = 'postgres'): Promise<T> {
  const client = await connect(server.adminUrl.replace('/postgres?', `/${database}?`));
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Connects as an integration's user over TLS, the only way its pg_hba.conf lines admit it. */
export async function connectAs(server: TestServer, user: string, password: string, database = 'orders'): Promise<pg.Client> {
  const client = new pg.Client({
    host: '127.0.0.1', port: server.port, user, password, database,
    ssl: { rejectUnauthorized: false },
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

function selfSignedCertificate(): { certificatePem: string; keyPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey);
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  certificate.serialNumber = '01';
  certificate.validity.notBefore = new Date(Date.now() - 60_000);
  certificate.validity.notAfter = new Date(Date.now() + 86_400_000);
  const subject = [{ name: 'commonName', value: 'localhost' }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.sign(key, forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(certificate).replace(/\r/g, ''), keyPem: privateKey };
}

/**
 * Turns TLS on with a self-signed certificate, as the certificate part of the
 * provider would: `hostssl` lines are only valid once `ssl = on`.
 */
export async function enableTls(server: TestServer): Promise<void> {
  const { certificatePem, keyPem } = selfSignedCertificate();
  const owner = statSync(server.dataDir);
  for (const [name, text] of [['server.crt', certificatePem], ['server.key', keyPem]] as const) {
    const path = join(server.dataDir, name);
    writeFileSync(path, text, { mode: 0o600 });
    chownSync(path, owner.uid, owner.gid);
  }
  await withAdmin(server, async (client) => {
    await client.query('ALTER SYSTEM SET ssl = on');
    await client.query('SELECT pg_reload_conf()');
  });
  for (let attempt = 0; ; attempt++) {
    try {
      // Without the URL's sslmode=disable, which would override `ssl`.
      const client = await connect(server.adminUrl.replace(/\?.*$/, ''), { ssl: { rejectUnauthorized: false } });
      await client.end();
      return;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The `orders` database: tables to grant, a sensitive one, and a schema for `analytics.*`. */
export async function seedOrders(server: TestServer): Promise<void> {
  await withAdmin(server, (client) => client.query('CREATE DATABASE orders'));
  await withAdmin(server, (client) => client.query(`
    CREATE TABLE public.orders (id int PRIMARY KEY, total numeric);
    CREATE TABLE public.line_items (id int PRIMARY KEY, order_id int);
    CREATE TABLE public.refunds (id int PRIMARY KEY);
    CREATE TABLE public.users (id int PRIMARY KEY, email text);
    CREATE SCHEMA analytics;
    CREATE TABLE analytics.daily (day date, total numeric);
    CREATE TABLE analytics.weekly (week date, total numeric);
    INSERT INTO public.orders VALUES (1, 10), (2, 20);
    INSERT INTO public.users VALUES (1, 'someone@example.com');
    INSERT INTO analytics.daily VALUES ('2026-01-01', 30);
  `), 'orders');
}

export function integration(name: string, user: string, overrides: Partial<Integration> = {}): Integration {
  return {
    name, user, endpoint: 'orders-public', access: 'read-only',
    from: ['127.0.0.1/32'],
    grants: [{ table: 'public.orders', privileges: ['SELECT'] }, { table: 'public.line_items', privileges: ['SELECT'] }],
    credentials: { password: { fromEnv: `${user.toUpperCase()}_PASSWORD` } },
    ...overrides,
  };
}

export function ordersConfig(integrations: Integration[]): EndpointsConfig {
  return {
    version: 1,
    provider: { kind: 'postgres', adminUrl: { fromEnv: ADMIN_ENV } },
    databases: [{
      name: 'orders',
      engine: 'postgresql',
      sensitive: ['public.users'],
      endpoints: [{ name: 'orders-public', exposure: 'public', hostname: 'localhost', allow: [{ cidr: '127.0.0.0/8' }] }],
      integrations,
    }],
  };
}

export function providerFor(config: EndpointsConfig, env: NodeJS.ProcessEnv, log: (message: string) => void = () => {}): Provider {
  return createPostgresProvider(config, { secrets: envSecretResolver({ env }), log, now: () => new Date() });
}

/** Plans and applies once, as `dbfence apply` does, and closes the provider. */
export async function applyOnce(config: EndpointsConfig, env: NodeJS.ProcessEnv, allowDestructive = false): Promise<ApplyResult> {
  const provider = providerFor(config, env);
  try {
    return await applyFile(provider, config, { allowDestructive });
  } finally {
    await provider.close();
  }
}

export async function planOnce(config: EndpointsConfig, env: NodeJS.ProcessEnv) {
  const provider = providerFor(config, env);
  try {
    const live = await provider.inspect([config]);
    return { changes: provider.diff(config, live), live };
  } finally {
    await provider.close();
  }
}

export async function hbaText(server: TestServer): Promise<string> {
  return withAdmin(server, async (client) => (await client.query("SELECT pg_read_file(current_setting('hba_file')) AS text")).rows[0].text as string);
}

/** Polls until an apply's session waits on a lock (true), or the apply has finished (false). */
export async function applyWaitsOnLock(watcher: pg.Client, finished: () => boolean): Promise<boolean> {
  while (!finished()) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    const { rows } = await watcher.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'dbfence' AND wait_event_type = 'Lock'`);
    if (rows.length > 0) return true;
  }
  return false;
}
