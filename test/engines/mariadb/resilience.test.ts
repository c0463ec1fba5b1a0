import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConnection } from 'mariadb';
import { createCa } from '../../../src/tls/ca.js';
import type { ChangeOutcome } from '../../../src/plan/types.js';
import { startMariadbServer, type MariadbTestServer } from '../../helpers/mariadb-server.js';
import { connectAs, type EngineHarness, engineFor, engineProvider, integration, ordersFile } from './fixtures.js';
import { MariadbEngine } from '../../../src/engines/mariadb/index.js';
import { applyFile } from '../../../src/plan/apply.js';

const ca = createCa({ commonName: 'dbfence MariaDB resilience test CA', validityDays: 30 });
const PASSWORD_ENV = 'INTEGRATION_PASSWORD';

/** Many integrations, so an apply runs long enough to be interrupted. */
function manyIntegrations(count: number) {
  return ordersFile(Array.from({ length: count }, (_, i) => integration(`app${i}`, `app${i}_ro`, PASSWORD_ENV)));
}

describe('the mariadb engine when an apply stops half-way or runs twice', () => {
  let server: MariadbTestServer;
  let harness: EngineHarness;

  beforeAll(async () => {
    server = await startMariadbServer({ tls: { ca, hostnames: ['127.0.0.1'] } });
    await server.sql('CREATE DATABASE orders');
    await server.sql('CREATE TABLE orders.line_items (id INT PRIMARY KEY, total INT)');
    harness = engineFor(server, { [PASSWORD_ENV]: 'secret' }, ca.certificatePem);
  }, 60_000);
  afterAll(async () => { await server?.stop(); });
  beforeEach(async () => {
    await server.sql('DROP TRIGGER IF EXISTS dbfence.injected');
    // Each test starts from nothing managed.
    expect((await harness.apply(ordersFile([]), true)).ok).toBe(true);
  });

  it('a failed statement stops the apply, reports what ran, and the next apply finishes the rest', async () => {
    const file = ordersFile([integration('metabase', 'metabase_ro', PASSWORD_ENV), integration('etl', 'etl_ro', PASSWORD_ENV)]);
    expect((await harness.apply(file)).ok).toBe(true);
    const session = await connectAs(server, ca.certificatePem, 'etl_ro', 'secret');
    session.on('error', () => {});
    // The last step of dropping an account (forgetting its record) fails.
    await server.sql("CREATE TRIGGER dbfence.injected BEFORE DELETE ON dbfence.accounts FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'");
    const withoutEtl = ordersFile([integration('metabase', 'metabase_ro', PASSWORD_ENV)]);
    const result = await harness.apply(withoutEtl, true);
    expect(result.ok).toBe(false);
    expect(result.outcomes.map((o) => [o.change.address, o.status, o.error])).toEqual([
      ['mariadb.accounts.etl_ro', 'failed', 'partly applied: injected failure (error 1644)'],
    ]);
    // What ran is done: the account is gone and its session ended.
    expect(await server.sql("SELECT Host FROM mysql.user WHERE User = 'etl_ro'")).toEqual([]);
    await expect(session.query('SELECT 1')).rejects.toThrow();
    await session.end().catch(() => {});
    await server.sql('DROP TRIGGER dbfence.injected');
    expect(await harness.plan(withoutEtl)).toEqual(['delete mariadb.accounts.etl_ro']);
    expect((await harness.apply(withoutEtl, true)).ok).toBe(true);
    expect(await harness.plan(withoutEtl)).toEqual([]);
  });

  it('a failure before any account exists leaves nothing half-made', async () => {
    await server.sql("CREATE TRIGGER dbfence.injected BEFORE INSERT ON dbfence.accounts FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'");
    const file = ordersFile([integration('metabase', 'metabase_ro', PASSWORD_ENV)]);
    const result = await harness.apply(file);
    expect(result.outcomes.map((o) => o.status)).toEqual(['failed', 'skipped']);
    expect(await server.sql("SELECT Host FROM mysql.user WHERE User = 'metabase_ro'")).toEqual([]);
    await server.sql('DROP TRIGGER dbfence.injected');
    expect((await harness.apply(file)).ok).toBe(true);
    expect(await harness.plan(file)).toEqual([]);
  });

  it('an apply whose connection is killed mid-way leaves only safe states, and the next apply converges', async () => {
    const file = manyIntegrations(40);
    let killed = false;
    // Synchronously, from the first change applied: the apply is held until its connection is gone.
    const onOutcome = (outcome: ChangeOutcome) => {
      if (killed || outcome.status !== 'applied') return;
      killed = true;
      const ids = server.client("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'dbfence_admin'").split('\n').filter(Boolean);
      for (const id of ids) server.client(`KILL CONNECTION ${Number(id)}`);
    };
    const result = await harness.apply(file, false, { onOutcome });
    // The 40 grants (one statement) ran; the unlock of the 40 new accounts did not.
    expect(result.ok).toBe(false);
    const byStatus = (status: string) => result.outcomes.filter((o) => o.status === status).map((o) => o.change.resource);
    expect(byStatus('applied')).toEqual(Array(40).fill('grant'));
    expect(byStatus('failed')).toEqual(Array(40).fill('account'));
    expect(result.outcomes.find((o) => o.status === 'failed')!.error).toMatch(/^partly applied: /);
    // Every account that can log in already holds its grant: none was unlocked before being granted.
    const unlocked = await server.sql<{ user: string }>(
      "SELECT User AS user FROM mysql.global_priv WHERE User LIKE 'app%' AND IFNULL(JSON_VALUE(Priv, '$.account_locked'), '0') IN ('0', 'false')");
    expect(unlocked).toEqual([]);
    expect(await harness.plan(file)).toEqual(Array.from({ length: 40 }, (_, i) => `update mariadb.account.app${i}_ro@127.0.0.1`));
    expect((await harness.apply(file)).ok).toBe(true);
    expect(await harness.plan(file)).toEqual([]);
  });

  it('two applies serialise on the server-wide lock: the second waits, re-plans and finds nothing left', async () => {
    const file = manyIntegrations(5);
    const second = engineFor(server, harness.env, ca.certificatePem);
    const [a, b] = await Promise.all([harness.apply(file), second.apply(file)]);
    const applied = [...a.outcomes, ...b.outcomes].filter((o) => o.status === 'applied');
    expect(applied).toHaveLength(10);
    expect(a.ok && b.ok).toBe(true);
    expect([a.outcomes.length, b.outcomes.length].sort()).toEqual([0, 10]);
  });

  it('waits, bounded, for an apply lock held elsewhere', async () => {
    const holder = await createConnection({ socketPath: server.socket, user: 'root' });
    try {
      expect(await holder.query("SELECT GET_LOCK('dbfence:apply', 0) AS l")).toEqual([{ l: 1 }]);
      const file = manyIntegrations(1);
      const logs: string[] = [];
      const engine = new MariadbEngine({ fromEnv: 'DBFENCE_MARIADB_ADMIN_URL' }, 'provider.adminUrl', {
        secrets: { resolve: (ref) => harness.env['fromEnv' in ref ? ref.fromEnv : '']! }, log: (m) => logs.push(m), now: () => new Date(),
      }, { caPem: () => ca.certificatePem });
      const applying = applyFile(engineProvider(engine), file, { allowDestructive: false });
      for (let i = 0; i < 100 && !logs.some((m) => /waiting/.test(m)); i++) await new Promise((r) => setTimeout(r, 50));
      expect(logs).toContain('mariadb: another dbfence apply is running on this server; waiting for it to finish');
      expect(await harness.plan(file)).toHaveLength(2);
      await holder.query("SELECT RELEASE_LOCK('dbfence:apply')");
      expect((await applying).ok).toBe(true);
    } finally {
      await holder.end();
    }
  });
});
