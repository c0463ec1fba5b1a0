import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ToolError } from '../../src/errors.js';
import type { EndpointsConfig } from '../../src/model/config.js';
import { AcknowledgementRequired } from '../../src/plan/acknowledge.js';
import { applyFile } from '../../src/plan/apply.js';
import type { Change } from '../../src/plan/types.js';
import type { Provider } from '../../src/providers/types.js';
import { type FaultProxy, startFaultProxy } from '../helpers/pg-fault-proxy.js';
import { startTestServer, type TestServer } from '../helpers/pg-server.js';
import { endpoint, startHarness as startAptible, TOKEN } from './aptible/harness.js';
import { ADMIN_ENV, enableTls, integration, ordersConfig, providerFor, seedOrders } from './postgres/fixtures.js';
import * as mariadb from './mariadb/fixtures.js';
import { API_KEY, configFor, privateDatabase, publicDatabase, startHarness as startSkysql } from './skysql/harness.js';

/**
 * What every provider promises, whatever its edge and engine: a converged
 * plan is empty; a change that needs acknowledgement is refused the same way,
 * before anything changes; no secret reaches any output; a step that fails
 * leaves a state the next plan shows and the next apply converges; a plan
 * the live state has moved away from is refused.
 */
interface Subject {
  /** A fresh provider for `config` (each operation on its own, as the CLI runs them). */
  provider(config: EndpointsConfig): Provider;
  /** A fresh provider for `config` whose next apply fails at a step, once. */
  failing(config: EndpointsConfig): Provider;
  /** A file the live state does not match yet. */
  desired: EndpointsConfig;
  /** A file whose plan from `desired`'s state needs acknowledgement. */
  destructive: EndpointsConfig;
  /** A file whose apply moves the live state so that `desired` plans otherwise. */
  moved: EndpointsConfig;
  /** Every secret value the provider reads. */
  secrets: string[];
  /** Mutations the live state has seen so far, to show a refusal changed nothing. */
  mutations(): Promise<number>;
  close(): Promise<void>;
}

const METABASE_PASSWORD = 'contract-metabase-password-31f0';
let server: TestServer;
let proxy: FaultProxy;

beforeAll(async () => {
  server = await startTestServer('embedded 18');
  await seedOrders(server);
  await enableTls(server);
  proxy = await startFaultProxy({ host: '127.0.0.1', port: server.port });
}, 120_000);
afterAll(async () => {
  await proxy?.close();
  await server?.stop();
});

async function roleCount(): Promise<number> {
  const client = new pg.Client({ connectionString: server.adminUrl });
  await client.connect();
  try {
    return (await client.query(`SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE 'contract%'`)).rows[0].n as number;
  } finally {
    await client.end();
  }
}

/** The admin URL through the fault proxy, which drops the connection as the first CREATE ROLE reaches it: a client dying mid-transaction. */
function cutAtCreateRole(url: string): string {
  proxy.arm({ before: /^CREATE ROLE/ });
  return url.replace(`:${server.port}/`, `:${proxy.port}/`);
}

const SUBJECTS: Record<string, () => Promise<Subject>> = {
  async postgres() {
    const env = { [ADMIN_ENV]: server.adminUrl, CONTRACT_PG_PASSWORD: METABASE_PASSWORD };
    const password = { credentials: { password: { fromEnv: 'CONTRACT_PG_PASSWORD' } } };
    return {
      provider: (config) => providerFor(config, env),
      failing: (config) => providerFor(config, { ...env, [ADMIN_ENV]: cutAtCreateRole(server.adminUrl) }),
      desired: ordersConfig([integration('metabase', 'contract_pg', password)]),
      destructive: ordersConfig([]),
      // The role, without its password yet: `desired` then rotates it instead of creating it.
      moved: ordersConfig([integration('metabase', 'contract_pg', { credentials: {} })]),
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
      failing(config) {
        // The first provision operation fails, as Aptible reports a failed operation.
        let failed = false;
        h.fake.model.operationOutcome = ({ type }) => (type === 'provision' && !failed ? ((failed = true), 'fail') : 'succeed');
        return h.provider(config.databases, { env });
      },
      desired: orders([endpoint('orders-public', ['203.0.113.10/32'])], true),
      destructive: orders([endpoint('orders-public', ['203.0.113.10/32'])], false),
      moved: orders([endpoint('orders-public', ['198.51.100.0/24'])], false),
      secrets: [TOKEN, METABASE_PASSWORD],
      mutations: async () => h.fake.requests.filter((r) => r.method !== 'GET').length + await roleCount(),
      close: async () => h.fake.close(),
    };
  },
  async skysql() {
    const h = await startSkysql({ services: [{ name: 'orders' }] }, []);
    return {
      provider: (config) => h.providerFor(config),
      failing(config) {
        h.fake.fail({ method: 'PUT', path: /\/security\/allowlist$/, status: 500, message: 'internal error while updating the firewall', times: 1 });
        return h.providerFor(config);
      },
      desired: configFor(h.fake, [publicDatabase('orders', ['52.20.10.10/32'])]),
      destructive: configFor(h.fake, [privateDatabase('orders', ['123456789012'])]),
      moved: configFor(h.fake, [publicDatabase('orders', ['34.90.0.0/28'])]),
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
      failing(config) {
        // The admin connection dies as the second statement is about to run: a client gone mid-apply, after the first committed.
        const provider = mariadb.providerFor(config, env);
        return {
          ...provider,
          steps: (desired, live, changes) => provider.steps(desired, live, changes).map((step, i) => (i !== 1 || 'open' in step ? step : {
            ...step,
            async run(progress) {
              const sessions = await db.sql<{ id: bigint }>(`SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = '${new URL(db.adminUrl).username}'`);
              for (const { id } of sessions) await db.sql(`KILL CONNECTION ${Number(id)}`);
              await step.run(progress);
            },
          })),
        };
      },
      desired: mariadb.ordersConfig(files, [user]),
      destructive: mariadb.ordersConfig(files, []),
      // The account, without its password yet: `desired` then sets and unlocks it instead of creating it.
      moved: mariadb.ordersConfig(files, [{ ...user, credentials: {} }]),
      secrets: [METABASE_PASSWORD, new URL(db.adminUrl).password, ca.keyPem.split('\n')[1]!],
      mutations: async () => Number(await counts()),
      close: () => db.stop(),
    };
  },
};

describe.each(Object.keys(SUBJECTS))('provider contract: %s', (kind) => {
  let subject: Subject;
  const plan = async (config: EndpointsConfig, outputs: unknown[] = []): Promise<Change[]> => {
    const provider = subject.provider(config);
    const live = await provider.inspect([config]);
    const changes = provider.diff(config, live);
    outputs.push(changes, provider.notices(config, live));
    return changes;
  };
  const apply = (config: EndpointsConfig, allowDestructive = true, provider = subject.provider(config)) => applyFile(provider, config, { allowDestructive });

  beforeEach(async () => {
    subject = await SUBJECTS[kind]!();
  });
  afterEach(async () => {
    // The next case starts from no contract role.
    await apply(subject.destructive).catch(() => {});
    await subject.close();
  });

  it('converges: after apply, the plan is empty; a change that needs acknowledgement is refused before anything changes; no secret in any output', async () => {
    const outputs: unknown[] = [];
    expect((await plan(subject.desired, outputs)).length).toBeGreaterThan(0);
    const applied = await apply(subject.desired);
    outputs.push(applied);
    expect(applied.ok).toBe(true);
    expect(await plan(subject.desired, outputs)).toEqual([]);

    const needing = (await plan(subject.destructive, outputs)).filter((c) => c.destructive || c.disruptive);
    expect(needing.length).toBeGreaterThan(0);
    const before = await subject.mutations();
    const refused = await apply(subject.destructive, false).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AcknowledgementRequired);
    expect((refused as AcknowledgementRequired).changes.map((c) => c.address)).toEqual(needing.map((c) => c.address));
    expect((refused as Error).message).toMatch(/^apply refused: \d+ changes? needs? acknowledgement: /);
    outputs.push((refused as Error).message);
    expect(await subject.mutations()).toBe(before);

    const text = JSON.stringify(outputs);
    for (const secret of subject.secrets) expect(text).not.toContain(secret);
  });

  it('a step that fails leaves a state that the next plan shows, and the next apply converges', async () => {
    const failed = await apply(subject.desired, true, subject.failing(subject.desired));
    expect(failed.ok).toBe(false);
    expect(failed.outcomes.some((o) => o.status === 'failed')).toBe(true);
    // Every outcome is final and says why: nothing is left pending.
    for (const outcome of failed.outcomes.filter((o) => o.status !== 'applied')) expect(outcome.error).toMatch(/\S/);

    const unfinished = failed.outcomes.filter((o) => o.status !== 'applied').map((o) => o.change.address);
    const next = (await plan(subject.desired)).map((c) => c.address);
    for (const address of unfinished) expect(next).toContain(address);
    expect((await apply(subject.desired)).ok).toBe(true);
    expect(await plan(subject.desired)).toEqual([]);
  });

  it('a stale plan is refused: when the live state moved since the plan was reviewed, apply names what differs and changes nothing', async () => {
    const reviewed = await plan(subject.desired);
    expect((await apply(subject.moved)).ok).toBe(true);
    const before = await subject.mutations();
    const refused = await applyFile(subject.provider(subject.desired), subject.desired, { allowDestructive: true, reviewed }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ToolError);
    expect((refused as Error).message).toMatch(/^apply refused: the live state changed since the plan was made \(.+\); nothing was applied: plan again and review it$/);
    expect(await subject.mutations()).toBe(before);

    // It names a change that differs; reviewed afresh, the plan applies.
    const current = await plan(subject.desired);
    const moved = current.filter((change) => !reviewed.some((r) => JSON.stringify(r) === JSON.stringify(change)));
    expect(moved.length).toBeGreaterThan(0);
    expect((refused as Error).message).toContain(`${moved[0]!.address} is `);
    expect((await applyFile(subject.provider(subject.desired), subject.desired, { allowDestructive: true, reviewed: current })).ok).toBe(true);
  });
});
