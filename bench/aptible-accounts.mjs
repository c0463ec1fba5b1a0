#!/usr/bin/env node
// The aptible provider's accounts at scale (issue 10): one Aptible database
// (the fake Deploy API of test/fakes/aptible as the edge) whose admin URL
// points at an embedded PostgreSQL (the real postgresql engine). For 10, 100
// and 1,000 integrations on that one database (5 table grants each), on a
// fresh server each (on Aptible every database is a server of its own), it applies once, then times a plan against the
// converged state: inspect (edge and accounts) + diff + notices, what
// `dbfence plan` asks of the provider after lint. It prints the SQL statements
// `inspect` sends to the database, which must not grow with the integrations.
// Timings are in-process, from lib/ (run `npm run build` first), median of --runs.
// On a shared machine the wall time follows the load; the CPU time dbfence's
// process spent on the plan (its main thread and libuv's pool: the PBKDF2 per
// password) does not, and the server's share is not in it.
// Usage: node bench/aptible-accounts.mjs [--runs N] [--sizes 10,100,1000]
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tsImport } from 'tsx/esm/api';
import { query, startEmbeddedServer } from './embedded-pg.mjs';

if (!existsSync(new URL('../lib/providers/aptible/index.js', import.meta.url))) throw new Error('lib/ is missing: run npm run build first');
const { aptibleProvider } = await import('../lib/providers/aptible/index.js');
const { envSecretResolver } = await import('../lib/providers/secrets.js');
const { applyFile } = await import('../lib/plan/apply.js');
const { startFakeAptible } = await tsImport('../test/fakes/aptible/server.ts', import.meta.url);

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, sizes: { type: 'string', default: '10,100,1000' } } });
const runs = Number(values.runs);
const sizes = values.sizes.split(',').map(Number);
const TABLES = 20;
const GRANTS = 5;
const TARGET_MS = 2000;
const TOKEN = 'bench-aptible-token';

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

function config(apiUrl, count) {
  return {
    version: 1,
    provider: { kind: 'aptible', environment: 'production', token: { fromEnv: 'APTIBLE_ACCESS_TOKEN' }, apiUrl },
    databases: [{
      name: 'orders', engine: 'postgresql', adminUrl: { fromEnv: 'ORDERS_ADMIN_URL' },
      endpoints: [{ name: 'orders-public', exposure: 'public', allow: [{ cidr: '52.20.0.0/24' }] }],
      integrations: Array.from({ length: count }, (_, i) => ({
        name: `integration-${i}`, user: `size${count}_integration_${i}`, endpoint: 'orders-public',
        grants: Array.from({ length: GRANTS }, (_, g) => ({ table: `public.t_${(i + g) % TABLES}`, privileges: ['SELECT'] })),
        credentials: { password: { fromEnv: `INTEGRATION_${i}_PASSWORD` } },
      })),
    }],
  };
}

/** A fresh embedded PostgreSQL per size: on Aptible every database is a server of its own. */
async function startServer() {
  const root = mkdtempSync(join(tmpdir(), 'dbfence-bench-aptible-'));
  // As root, the server runs as the postgres user, which must reach its data directory.
  chmodSync(root, 0o777);
  const { postgres, baseUrl: url } = await startEmbeddedServer(root);
  await query(`${url}/postgres`, 'CREATE DATABASE db');
  await query(`${url}/db`, Array.from({ length: TABLES }, (_, t) => `CREATE TABLE public.t_${t} (id int);`).join('\n'));
  return {
    adminUrl: `${url}/db?sslmode=disable`,
    async stop() {
      await postgres.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

const rows = [];
for (const count of sizes) {
  const server = await startServer();
  const fake = await startFakeAptible({ token: TOKEN });
  try {
    const environment = fake.model.addEnvironment('production');
    const database = fake.model.addDatabase(environment, 'orders');
    fake.model.addEndpoint(database, { ipWhitelist: ['52.20.0.0/24'] });
    const desired = config(fake.url, count);
    const env = {
      APTIBLE_ACCESS_TOKEN: TOKEN, ORDERS_ADMIN_URL: server.adminUrl,
      ...Object.fromEntries(Array.from({ length: count }, (_, i) => [`INTEGRATION_${i}_PASSWORD`, `password-${i}`])),
    };
    const provider = () => aptibleProvider(desired, { secrets: envSecretResolver({ env }), log: () => {}, now: () => new Date() });
    const applied = await applyFile(provider(), desired, { allowDestructive: true });
    if (!applied.ok) throw new Error(`apply of ${count} integrations failed: ${JSON.stringify(applied.outcomes.find((o) => o.status !== 'applied'))}`);
    const times = { plan: [], inspect: [], cpu: [] };
    let statements = 0;
    for (let run = 0; run < runs; run++) {
      const planner = provider();
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      const live = await planner.inspect([desired]);
      times.inspect.push(performance.now() - start);
      const changes = planner.diff(desired, live);
      planner.notices(desired, live);
      times.plan.push(performance.now() - start);
      const cpu = process.cpuUsage(cpuStart);
      times.cpu.push((cpu.user + cpu.system) / 1000);
      if (changes.length > 0) throw new Error(`a converged plan of ${count} integrations has ${changes.length} changes`);
      statements = live.accounts.get('orders').statementCount;
    }
    rows.push({ count, planMs: median(times.plan), inspectMs: median(times.inspect), cpuMs: median(times.cpu), statements });
  } finally {
    await fake.close();
    await server.stop();
  }
}

console.log(`aptible accounts: one database, ${GRANTS} grants per integration, median of ${runs} (load average ${loadavg().map((load) => load.toFixed(2)).join(', ')} on ${availableParallelism()} CPUs)`);
console.log('integrations  plan (converged)  of which inspect  dbfence CPU  SQL statements of inspect');
for (const row of rows) {
  const verdict = row.count === 1000 ? (row.planMs < TARGET_MS ? '  (target < 2 s: met)' : '  (target < 2 s: MISSED)') : '';
  console.log(`${String(row.count).padStart(12)}  ${`${row.planMs.toFixed(0)} ms`.padStart(16)}  ${`${row.inspectMs.toFixed(0)} ms`.padStart(16)}  ${`${row.cpuMs.toFixed(0)} ms`.padStart(11)}  ${String(row.statements).padStart(25)}${verdict}`);
}
const counts = new Set(rows.map((row) => row.statements));
console.log(counts.size === 1 ? 'inspect sends the same number of statements at every size' : 'inspect statements GROW with the integrations');
if (counts.size !== 1 || rows.some((row) => row.count === 1000 && row.planMs >= TARGET_MS)) process.exitCode = 1;
