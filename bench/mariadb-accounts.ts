// The mariadb accounts engine at scale (issue 11), through the mariadb provider
// and the one apply, on a private MariaDB (Debian's mariadb-server, as the tests
// run it): 1,000 integrations with 20 table grants each, in one database of 50
// tables. It times
//   - apply from scratch (target < 30 s): lock, inspect, plan, every statement;
//   - plan against the server in that state (< 2 s): inspect + diff;
//   - a no-op apply (< 2 s): lock, inspect, plan, nothing to run;
// and prints the statements one inspect sends for 10, 100 and 1,000
// integrations, which must not grow.
// Usage: npm run bench:mariadb [-- --integrations 1000]
import { parseArgs } from 'node:util';
import type { EndpointsConfig } from '../src/model/config.js';
import { applyFile } from '../src/plan/apply.js';
import { createMariadbProvider, type MariadbState } from '../src/providers/mariadb/index.js';
import type { Provider } from '../src/providers/types.js';
import { startMariadbServer } from '../test/helpers/mariadb-server.js';

const { values } = parseArgs({ options: { integrations: { type: 'string', default: '1000' } } });
const COUNT = Number(values.integrations);
const TABLES = 50;
const GRANTS = 20;
const TARGETS_MS = { scratch: 30_000, plan: 2_000, noop: 2_000 };
const table = (t: number) => `t_${String(t).padStart(3, '0')}`;

function endpointsFile(count: number): EndpointsConfig {
  return {
    version: 1,
    provider: { kind: 'mariadb', adminUrl: { fromEnv: 'ADMIN_URL' } },
    databases: [{
      name: 'app', engine: 'mariadb',
      endpoints: [{ name: 'app', exposure: 'public' }],
      integrations: Array.from({ length: count }, (_, i) => ({
        name: `integration-${i}`, user: `integration_${i}_ro`, endpoint: 'app', access: 'read-only' as const,
        from: [`10.${Math.floor(i / 250)}.${i % 250}.1/32`],
        grants: Array.from({ length: GRANTS }, (_, g) => ({ table: `app.${table((i * 7 + g) % TABLES)}`, privileges: ['SELECT' as const] })),
        credentials: { password: { fromEnv: 'INTEGRATION_PASSWORD' } },
      })),
    }],
  };
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await run();
  return [result, Math.round(performance.now() - start)];
}

const server = await startMariadbServer();
try {
  await server.sql('CREATE DATABASE app');
  for (let t = 0; t < TABLES; t++) await server.sql(`CREATE TABLE app.${table(t)} (id INT PRIMARY KEY)`);
  const env: Record<string, string> = { ADMIN_URL: server.adminUrl, INTEGRATION_PASSWORD: 'bench-password' };
  const provider = (file: EndpointsConfig) => createMariadbProvider(file, {
    secrets: { resolve: (ref) => ('fromEnv' in ref ? env[ref.fromEnv]! : '') }, log: () => {}, now: () => new Date(),
  }) as Provider<MariadbState>;
  const plan = async (file: EndpointsConfig) => {
    const live = await provider(file).inspect([file]);
    return { changes: provider(file).diff(file, live), statements: live.accounts.statementCount };
  };
  const file = endpointsFile(COUNT);
  const [first, firstMs] = await timed(() => plan(file));
  const [scratch, scratchMs] = await timed(() => applyFile(provider(file), file, { allowDestructive: false }));
  if (!scratch.ok) throw new Error(`the apply from scratch failed: ${scratch.outcomes.find((o) => o.status === 'failed')?.error}`);
  const [again, planMs] = await timed(() => plan(file));
  if (again.changes.length > 0) throw new Error(`the plan after the apply is not empty: ${again.changes.length} changes`);
  const [noop, noopMs] = await timed(() => applyFile(provider(file), file, { allowDestructive: false }));
  if (noop.outcomes.length > 0) throw new Error('the no-op apply changed something');
  const statements = [];
  for (const size of [10, 100, COUNT]) statements.push(`${size}: ${(await plan(endpointsFile(size))).statements}`);
  const verdict = (ms: number, target: number) => `${ms} ms (target < ${target} ms${ms < target ? '' : ': MISSED'})`;
  console.log(`mariadb accounts engine, ${COUNT} integrations × ${GRANTS} table grants, MariaDB ${(await server.sql<{ v: string }>('SELECT VERSION() AS v'))[0]!.v}`);
  console.log(`  plan from nothing:   ${firstMs} ms, ${first.changes.length} changes`);
  console.log(`  apply from scratch:  ${verdict(scratchMs, TARGETS_MS.scratch)}, ${scratch.outcomes.length} changes applied`);
  console.log(`  plan when in sync:   ${verdict(planMs, TARGETS_MS.plan)}`);
  console.log(`  no-op apply:         ${verdict(noopMs, TARGETS_MS.noop)}`);
  console.log(`  inspect statements by integrations: ${statements.join(', ')}`);
} finally {
  await server.stop();
}
