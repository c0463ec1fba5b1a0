import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolError } from '../../src/errors.js';
import type { EndpointsConfig } from '../../src/model/config.js';
import type { Provider } from '../../src/providers/types.js';
import { startTestServer, type TestServer } from '../helpers/pg-server.js';
import { endpoint, startHarness as startAptible, TOKEN } from './aptible/harness.js';
import { ADMIN_ENV, enableTls, integration, ordersConfig, providerFor, seedOrders } from './postgres/fixtures.js';
import * as mariadb from './mariadb/fixtures.js';
import { API_KEY, configFor, privateDatabase, publicDatabase, startHarness as startSkysql } from './skysql/harness.js';

/**
 * What every provider promises, whatever its edge and engine: a converged
 * plan is empty; a change that needs acknowledgement is refused the same way,
 * before anything changes; no secret reaches any output.
 */
interface Subject {
  /** A fresh provider for `config` (each operation on its own, as the CLI runs them). */
  provider(config: EndpointsConfig): Provider;
  /** A file the live state does not match yet. */
  desired: EndpointsConfig;
  /** A file whose plan from `desired`'s state needs acknowledgement. */
  destructive: EndpointsConfig;
  /** Every secret value the provider reads. */
  secrets: string[];
  /** Mutations the live state has seen so far, to show a refusal changed nothing. */
  mutations(): Promise<number>;
  close(): Promise<void>;
}

const METABASE_PASSWORD = 'contract-metabase-password-31f0';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer('embedded 18');
  await seedOrders(server);
  await enableTls(server);
}, 120_000);
afterAll(async () => server?.stop());

async function roleCount(): Promise<number> {
  const client = new pg.Client({ connectionString: server.adminUrl });
  await client.connect();
  try {
    return (await client.query(`SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE 'contract%'`)).rows[0].n as number;
  } finally {
    await client.end();
  }
}

const SUBJECTS: Record<string, () => Promise<Subject>> = {
  async postgres() {
    const env = { [ADMIN_ENV]: server.adminUrl, CONTRACT_PG_PASSWORD: METABASE_PASSWORD };
    const user = integration('metabase', 'contract_pg', { credentials: { password: { fromEnv: 'CONTRACT_PG_PASSWORD' } } });
    return {
      provider: (config) => providerFor(config, env),
      desired: ordersConfig([user]),
      destructive: ordersConfig([]),
      secrets: [METABASE_PASSWORD, server.adminUrl.split('@')[0]!.split(':').pop()!],
      mutations: roleCount,
      close: async () => {},
    };
  },
  async aptible() {
    const h = await startAptible();
    const environment = h.fake.model.addEnvironment('production');
    h.fake.model.addDatabase(environment, 'orders');
    const orders = (endpoints: ReturnType<typeof endpoint>[], integrations: boolean) => h.config([{
      name: 'orders', engine: 'postgresql', adminUrl: { fromEnv: 'ORDERS_ADMIN_URL' }, sensitive: ['public.users'], endpoints,
      integrations: integrations ? [integration('metabase', 'contract_aptible', { from: [], credentials: { password: { fromEnv: 'CONTRACT_APTIBLE_PASSWORD' } } })] : [],
    }]);
    const env = { ORDERS_ADMIN_URL: server.adminUrl.replace('/postgres?', '/orders?'), CONTRACT_APTIBLE_PASSWORD: METABASE_PASSWORD };
    return {
      provider: (config) => h.provider(config.databases, { env }),
      desired: orders([endpoint('orders-public', ['203.0.113.10/32'])], true),
      destructive: orders([endpoint('orders-public', ['203.0.113.10/32'])], false),
      secrets: [TOKEN, METABASE_PASSWORD],
      mutations: async () => h.fake.requests.filter((r) => r.method !== 'GET').length + await roleCount(),
      close: async () => h.fake.close(),
    };
  },
  async skysql() {
    const h = await startSkysql({ services: [{ name: 'orders' }] }, []);
    return {
      provider: (config) => h.providerFor(config),
      desired: configFor(h.fake, [publicDatabase('orders', ['52.20.10.10/32'])]),
      destructive: configFor(h.fake, [privateDatabase('orders', ['123456789012'])]),
      secrets: [API_KEY],
      mutations: async () => h.fake.mutations().length,
      close: async () => h.fake.close(),
    };
  },
  async mariadb() {
    const ca = mariadb.newCa();
    const { server: db, files } = await mariadb.startOrdersServer(ca);
    const env = mariadb.envFor(db, ca, { CONTRACT_MARIADB_PASSWORD: METABASE_PASSWORD });
    const user = mariadb.integration('metabase', 'contract_mariadb', { credentials: { password: { fromEnv: 'CONTRACT_MARIADB_PASSWORD' } } });
    const counts = async () => (await db.sql<{ n: bigint }>("SELECT COUNT(*) AS n FROM mysql.user WHERE user LIKE 'contract%'"))[0]!.n;
    return {
      provider: (config) => mariadb.providerFor(config, env),
      desired: mariadb.ordersConfig(files, [user]),
      destructive: mariadb.ordersConfig(files, []),
      secrets: [METABASE_PASSWORD, new URL(db.adminUrl).password, ca.keyPem.split('\n')[1]!],
      mutations: async () => Number(await counts()),
      close: () => db.stop(),
    };
  },
};

describe.each(Object.keys(SUBJECTS))('provider contract: %s', (kind) => {
  it('converges: after apply, the plan is empty; a change that needs acknowledgement is refused before anything changes; no secret in any output', async () => {
    const subject = await SUBJECTS[kind]!();
    const outputs: unknown[] = [];
    try {
      const plan = async (config: EndpointsConfig) => {
        const provider = subject.provider(config);
        const live = await provider.inspect([config]);
        const changes = provider.diff(config, live);
        outputs.push(changes, provider.notices(config, live));
        return changes;
      };
      expect((await plan(subject.desired)).length).toBeGreaterThan(0);
      const applied = await subject.provider(subject.desired).apply(subject.desired, { allowDestructive: true });
      outputs.push(applied);
      expect(applied.ok).toBe(true);
      expect(await plan(subject.desired)).toEqual([]);

      const needing = (await plan(subject.destructive)).filter((c) => c.destructive || c.disruptive);
      expect(needing.length).toBeGreaterThan(0);
      const before = await subject.mutations();
      const refused = await subject.provider(subject.destructive).apply(subject.destructive, { allowDestructive: false }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ToolError);
      expect((refused as Error).message).toMatch(/^apply refused: \d+ changes? needs? acknowledgement \(--allow-destructive\): /);
      outputs.push((refused as Error).message);
      expect(await subject.mutations()).toBe(before);

      const text = JSON.stringify(outputs);
      for (const secret of subject.secrets) expect(text).not.toContain(secret);
    } finally {
      // The next subject starts from no contract role.
      await subject.provider(subject.destructive).apply(subject.destructive, { allowDestructive: true }).catch(() => {});
      await subject.close();
    }
  });
});
