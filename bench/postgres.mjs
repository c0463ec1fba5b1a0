#!/usr/bin/env node
// The postgres provider at scale (issue 3), on an embedded PostgreSQL: for 10,
// 100 and 1,000 integrations (20 table grants each, spread over a few
// databases), a fresh server each, it times
//   - apply from scratch: withPlan + applyPlan, the calls `dbfence apply --yes`
//     makes (lint, inspect, diff, then the provider's apply: lock, re-inspect,
//     re-plan, server certificate, SQL, pg_hba.conf). One run: it needs a fresh server.
//   - plan against a server already in that state: withPlan, as `dbfence plan`.
//   - no-op apply: withPlan + applyPlan again. The CLI stops after the plan when
//     it finds no change, so this is an upper bound: it also runs the provider's
//     apply (lock, re-inspect, re-plan) on the same provider.
// and prints the SQL statements one `inspect` sends, which must not grow with
// the number of integrations, and where a plan's time goes (lint, inspect,
// diff). Timings are in-process, from lib/ (run `npm run build` first), median
// of --runs; peak RSS is this process's, not the server's.
// Usage: node bench/postgres.mjs [--runs N] [--sizes 10,100,1000] [--databases N] [--tables N]
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { query, startEmbeddedServer } from './embedded-pg.mjs';

if (!existsSync(new URL('../lib/plan/run.js', import.meta.url))) throw new Error('lib/ is missing: run npm run build first');
const { runLint } = await import('../lib/lint/run.js');
const { applyPlan, withPlan } = await import('../lib/plan/run.js');
const { createPostgresProvider } = await import('../lib/providers/postgres/index.js');
const { envSecretResolver } = await import('../lib/providers/secrets.js');
const { createCa } = await import('../lib/tls/ca.js');

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    sizes: { type: 'string', default: '10,100,1000' },
    databases: { type: 'string', default: '4' },
    tables: { type: 'string', default: '50' },
  },
});
const runs = Number(values.runs);
const sizes = values.sizes.split(',').map(Number);
const databaseCount = Number(values.databases);
const tableCount = Number(values.tables);
const GRANTS_PER_INTEGRATION = 20;
if (tableCount < GRANTS_PER_INTEGRATION) throw new Error(`--tables must be at least ${GRANTS_PER_INTEGRATION}`);
const TARGETS = { plan: 2000, scratch: 20_000, noop: 2000 };
// As bin/dbfence.js does: the yaml parser reads process.env once per token, and
// a plain copy is much cheaper to read than Node's own.
process.env = { ...process.env };

const ca = createCa({ commonName: 'dbfence bench CA', validityDays: 365 });
const databaseName = (d) => `app_${d}`;
const tableName = (t) => `t_${String(t).padStart(3, '0')}`;

/** The endpoints.yaml of `count` integrations: lint-clean, each with a user, a source inside its endpoint's allow entry, 20 grants and a password. */
function endpointsFile(count) {
  const databases = Array.from({ length: databaseCount }, (_, d) => ({
    name: databaseName(d),
    engine: 'postgresql',
    endpoints: [{
      name: `app-${d}-public`, exposure: 'public', hostname: `app-${d}.db.bench.example.com`,
      tls: { minVersion: '1.2' }, allow: [{ cidr: `52.20.${d}.0/24`, description: 'integrations' }],
    }],
    integrations: [],
  }));
  for (let i = 0; i < count; i++) {
    const d = i % databaseCount;
    const first = (i * 7) % tableCount;
    databases[d].integrations.push({
      name: `integration-${i}`, owner: 'data-platform@example.com', user: `integration_${i}_ro`,
      endpoint: `app-${d}-public`, access: 'read-only', from: [`52.20.${d}.${1 + (Math.floor(i / databaseCount) % 254)}/32`],
      grants: Array.from({ length: GRANTS_PER_INTEGRATION }, (_, g) => ({ table: `public.${tableName((first + g) % tableCount)}`, privileges: ['SELECT'] })),
      tls: { verify: 'full' }, keepalive: '5m',
      credentials: { password: { fromEnv: `INTEGRATION_${i}_PASSWORD` } },
    });
  }
  return {
    version: 1,
    provider: {
      kind: 'postgres', adminUrl: { fromEnv: 'DBFENCE_PG_ADMIN_URL' },
      ca: { certificate: { fromEnv: 'DBFENCE_CA_CERT' }, key: { fromEnv: 'DBFENCE_CA_KEY' } },
    },
    defaults: { idleTimeout: '60m', certificates: { validity: '90d', renewBefore: '30d' } },
    databases,
  };
}

/** A fresh embedded PostgreSQL holding the databases and their tables, and no managed role. */
async function startServer(root) {
  const { postgres, baseUrl } = await startEmbeddedServer(root);
  const adminUrl = `${baseUrl}/postgres`;
  const tables = Array.from({ length: tableCount }, (_, t) => `CREATE TABLE public.${tableName(t)} (id int PRIMARY KEY, value text);`).join('\n');
  try {
    for (let d = 0; d < databaseCount; d++) {
      await query(adminUrl, `CREATE DATABASE ${databaseName(d)}`);
      await query(adminUrl.replace(/\/postgres$/, `/${databaseName(d)}`), tables);
    }
    const [{ server_version: version }] = await query(adminUrl, 'SHOW server_version');
    return { postgres, adminUrl, version };
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}

async function timed(action) {
  const start = performance.now();
  const value = await action();
  return { ms: performance.now() - start, value };
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

/** `dbfence apply --yes` without the rendering: plan, then apply when not blocked. */
function apply(options) {
  return withPlan(options, async (run, provider) => {
    if (run.blocked) throw new Error(`apply blocked: ${run.blocked}`);
    const result = await applyPlan(run, provider, false);
    if (!result.ok) {
      const failed = result.outcomes.find((outcome) => outcome.status !== 'applied');
      throw new Error(`apply failed: ${failed?.change.address}: ${failed?.error}`);
    }
    return result.outcomes.length;
  });
}

async function measure(count) {
  const root = mkdtempSync(join(tmpdir(), 'dbfence-bench-pg-'));
  chmodSync(root, 0o777);
  let server;
  try {
    server = await startServer(root);
    const { adminUrl, version } = server;
    const config = endpointsFile(count);
    const file = join(root, 'endpoints.yaml');
    const text = YAML.stringify(config);
    writeFileSync(file, text);
    const env = { DBFENCE_PG_ADMIN_URL: `${adminUrl}?sslmode=disable`, DBFENCE_CA_CERT: ca.certificatePem, DBFENCE_CA_KEY: ca.keyPem };
    for (let i = 0; i < count; i++) env[`INTEGRATION_${i}_PASSWORD`] = randomBytes(18).toString('base64');
    const options = { file, allowDestructive: false, env };

    const scratch = await timed(() => apply(options));
    const plans = [];
    for (let r = 0; r < runs; r++) {
      const plan = await timed(() => withPlan(options, async (run) => run.plan));
      if (!plan.value || plan.value.changes.length > 0) throw new Error(`the plan after apply is not empty (${plan.value?.changes.length} changes)`);
      plans.push(plan.ms);
    }
    const noops = [];
    for (let r = 0; r < runs; r++) {
      const noop = await timed(() => apply(options));
      if (noop.value !== 0) throw new Error(`the no-op apply made ${noop.value} changes`);
      noops.push(noop.ms);
    }
    const parts = { lint: [], inspect: [], diff: [] };
    let statements;
    for (let r = 0; r < runs; r++) {
      const lint = await timed(() => runLint([file], {}));
      // A new provider each time, as each `dbfence plan` has: no password check is cached yet.
      const provider = createPostgresProvider(config, { secrets: envSecretResolver({ env }), log: () => {}, now: () => new Date() });
      const live = await timed(() => provider.inspect([config]));
      const diff = await timed(async () => provider.diff(config, live.value));
      await provider.close();
      const managed = [...live.value.roles.values()].filter((role) => role.managed).length;
      if (managed !== count || diff.value.length > 0) throw new Error(`inspect saw ${managed} managed roles and ${diff.value.length} changes, expected ${count} and none`);
      parts.lint.push(lint.ms);
      parts.inspect.push(live.ms);
      parts.diff.push(diff.ms);
      statements = live.value.statementCount;
    }
    return {
      count, version, kb: Math.round(Buffer.byteLength(text) / 1024), changes: scratch.value, scratch: scratch.ms, plan: median(plans), noop: median(noops), statements,
      lint: median(parts.lint), inspect: median(parts.inspect), diff: median(parts.diff),
    };
  } finally {
    await server?.postgres.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

const started = performance.now();
const rows = [];
for (const count of sizes) rows.push(await measure(count));

const seconds = (ms) => (ms / 1000).toFixed(2);
const mark = (ms, target) => (ms <= target ? '✔' : '✖');
console.log(`dbfence postgres provider benchmark: PostgreSQL ${rows[0].version} (embedded), node ${process.version}, load average ${loadavg().map((n) => n.toFixed(1)).join(' ')}`);
console.log(`${databaseCount} databases × ${tableCount} tables; each integration: 1 user, 1 source, ${GRANTS_PER_INTEGRATION} SELECT grants, a password; server certificate issued by provider.ca.`);
console.log(`In process through withPlan/applyPlan, lint included. Plan and no-op apply: median of ${runs}. Apply from scratch: one run on a fresh server.`);
console.log('The no-op apply runs the provider\'s apply after the empty plan; `dbfence apply` itself stops after the plan, so it takes the plan\'s time.\n');
console.log('| integrations | changes applied | apply from scratch (s) | plan (s) | no-op apply (s) | inspect statements | plan = lint + inspect + diff (s) |');
console.log('|---:|---:|---:|---:|---:|---:|---|');
for (const row of rows) {
  const parts = `${seconds(row.lint)} + ${seconds(row.inspect)} + ${seconds(row.diff)}`;
  console.log(`| ${row.count.toLocaleString('en-US')} | ${row.changes.toLocaleString('en-US')} | ${seconds(row.scratch)} | ${seconds(row.plan)} | ${seconds(row.noop)} | ${row.statements} | ${parts} |`);
}
const largest = rows[rows.length - 1];
const flat = rows.every((row) => row.statements === rows[0].statements);
console.log(`\ntargets at ${largest.count.toLocaleString('en-US')} integrations: plan < ${TARGETS.plan / 1000} s ${mark(largest.plan, TARGETS.plan)}, apply from scratch < ${TARGETS.scratch / 1000} s ${mark(largest.scratch, TARGETS.scratch)}, no-op apply < ${TARGETS.noop / 1000} s ${mark(largest.noop, TARGETS.noop)} (as \`dbfence apply\` runs it: ${mark(largest.plan, TARGETS.noop)})`);
console.log(`inspect checks each password against its SCRAM verifier (one PBKDF2 of 4,096 rounds each, while the grants are read); lint parses the ${largest.kb.toLocaleString('en-US')} KB file`);
console.log(`inspect statements: ${flat ? `${rows[0].statements} at every size ✔ (grows with databases, not integrations)` : `${rows.map((row) => row.statements).join(', ')} ✖ they grow with integrations`}`);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (this process, over all sizes; the server is another process); total ${seconds(performance.now() - started)} s`);
