import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/pg-server.js';
import { enableTls, seedOrders, withAdmin } from '../providers/postgres/fixtures.js';
import { FakeGitHub } from '../fakes/github/server.js';
import { BASE_SHA, defaultInputs, example, HEAD_SHA, MERGE_SHA, payload, PR_NUMBER, readOutputs, type Runner, runnerEnvironment, TOKEN } from './runner.js';

// End to end: the committed dist/index.js, started as the runner starts a
// JavaScript action, against a fake GitHub and a real PostgreSQL.
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const PASSWORD = 'metabase-Pa55word-do-not-leak';
const APTIBLE_TOKEN = 'aptible-token-of-the-base-do-not-leak';

const integration = (name: string, user: string, table: string) => `      - name: ${name}
        owner: data-platform@example.com
        user: ${user}
        endpoint: orders-public
        access: read-only
        from: [127.0.0.1/32]
        grants:
          - table: ${table}
            privileges: [SELECT]
        tls: { verify: full }
        keepalive: 5m
        credentials:
          password: { fromEnv: ${user.toUpperCase()}_PASSWORD }
`;
const file = (...integrations: string[]) => `version: 1
provider:
  kind: postgres
  adminUrl: { fromEnv: DBFENCE_PG_ADMIN_URL }
databases:
  - name: orders
    engine: postgresql
    sensitive: [public.users]
    endpoints:
      - name: orders-public
        exposure: public
        hostname: localhost
        allow:
          - cidr: 127.0.0.1/32
            description: the test runner
    integrations:
${integrations.join('')}`;
const ON_MAIN = file(integration('metabase', 'metabase_ro', 'public.orders'));
const IN_PR = file(integration('metabase', 'metabase_ro', 'public.orders'), integration('fivetran', 'fivetran_ro', 'analytics.*'));

let server: TestServer;
let fake: FakeGitHub;
// Where a pull request would send the credential: a listener that counts every connection and answers none.
let elsewhere: TcpServer;
let elsewhereUrl = '';
const elsewhereConnections: string[] = [];
// The base's own API address: it refuses every token, and records which it was sent.
let trustedApi: HttpServer;
let trustedApiUrl = '';
const trustedApiAuthorizations: string[] = [];
let secrets: string[];
const runs: Run[] = [];

interface Run extends Runner {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts dist/index.js with only what the runner would give it; the fake GitHub keeps serving meanwhile. */
async function runDist(event: string, data: unknown, inputs: Record<string, string>, config: string, extra: Record<string, string> = {}, files: Record<string, string> = {}): Promise<Run> {
  const runner = runnerEnvironment({
    event, payload: data, inputs: defaultInputs(inputs), apiUrl: fake.url,
    extra: { PATH: process.env.PATH ?? '', DBFENCE_PG_ADMIN_URL: server.adminUrl, METABASE_RO_PASSWORD: PASSWORD, FIVETRAN_RO_PASSWORD: 'fivetran-Pa55word', APTIBLE_TOKEN, ...extra },
  });
  writeFileSync(join(runner.workspace, 'endpoints.yaml'), config);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(runner.workspace, path)), { recursive: true });
    writeFileSync(join(runner.workspace, path), text);
  }
  return new Promise((resolve) => {
    execFile(process.execPath, [DIST], { cwd: runner.workspace, env: runner.env, timeout: 60_000 }, (error, stdout, stderr) => {
      const run = { ...runner, code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr };
      runs.push(run);
      resolve(run);
    });
  });
}

const ourComments = () => fake.commentsOn(PR_NUMBER).filter((comment) => comment.body.includes('<!-- dbfence:report -->'));
const logLines = (run: Run) => [...run.stdout.split('\n'), ...run.stderr.split('\n')].filter((line) => !line.startsWith('::add-mask::'));

beforeAll(async () => {
  server = await startTestServer();
  await seedOrders(server);
  await enableTls(server);
  fake = new FakeGitHub('Codertocat', 'Hello-World', TOKEN);
  await fake.start();
  fake.defaultBranch = 'master';
  fake.addHistory(undefined, BASE_SHA, HEAD_SHA);
  fake.files.set(`${BASE_SHA}:endpoints.yaml`, ON_MAIN);
  fake.pulls.set(1, { number: 1, head: { sha: 'a'.repeat(40) }, merged_at: '2026-01-01T00:00:00Z', merge_commit_sha: MERGE_SHA });
  fake.pulls.set(PR_NUMBER, { number: PR_NUMBER, head: { sha: HEAD_SHA }, merged_at: null, merge_commit_sha: null });
  const password = new URL(server.adminUrl).password;
  secrets = [TOKEN, server.adminUrl, password, PASSWORD, 'fivetran-Pa55word', APTIBLE_TOKEN];
  elsewhere = createTcpServer((socket) => {
    elsewhereConnections.push(`${socket.remoteAddress}:${socket.remotePort}`);
    socket.destroy();
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
  trustedApi = createHttpServer((req, res) => {
    trustedApiAuthorizations.push(String(req.headers.authorization));
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{"code":401,"error":"invalid_token","message":"Invalid token"}');
  });
  await new Promise<void>((resolve) => trustedApi.listen(0, '127.0.0.1', resolve));
  trustedApiUrl = `http://127.0.0.1:${(trustedApi.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => elsewhere?.close(resolve));
  await new Promise((resolve) => trustedApi?.close(resolve));
  await fake?.stop();
  await server?.stop();
});

describe('dist/index.js on a runner', () => {
  it('exists: npm run bundle builds it', () => {
    expect(existsSync(DIST)).toBe(true);
  });

  it('applies a merge to the default branch and reports to the pull request it came from', async () => {
    // Verify after apply is test/action/verify.test.ts's: this file's endpoint is not reachable by its hostname.
    const run = await runDist('push', payload('push'), { command: 'apply', verify: 'false' }, ON_MAIN);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [result] = fake.commentsOn(1);
    expect(result!.body).toContain('<!-- dbfence:apply -->');
    expect(result!.body).toMatch(/✅ applied \d+ changes/);
    expect(fake.commentsOn(PR_NUMBER)).toEqual([]);
    const roles = await withAdmin(server, async (client) => (await client.query("SELECT rolname FROM pg_roles WHERE rolname = 'metabase_ro'")).rows);
    expect(roles).toEqual([{ rolname: 'metabase_ro' }]);
    // The runner masks what the action registers: the admin URL, its password, the integration's password.
    expect(run.stdout).toContain(`::add-mask::${server.adminUrl}`);
    expect(run.stdout).toContain(`::add-mask::${PASSWORD}`);
  });

  it('on a pull request, creates one comment with the plan and the drift, and well-formed annotations and outputs', async () => {
    const run = await runDist('pull_request', payload('pull_request.synchronize'), {}, IN_PR);
    expect(run.code).toBe(0);
    expect(ourComments()).toHaveLength(1);
    const body = ourComments()[0]!.body;
    expect(body).toContain('postgres.role.fivetran_ro');
    expect(body).toContain('**Drift:** none');
    expect(body).not.toContain('postgres.role.metabase_ro');

    // Lint's three warnings, and whatever the provider notices about the test server (its certificate).
    const annotations = run.stdout.split('\n').filter((line) => /^::(error|warning)/.test(line));
    for (const line of annotations) {
      expect(line).toMatch(/^::warning title=dbfence [a-z-]+,file=endpoints\.yaml,line=[1-9]\d*,endLine=[1-9]\d*(,col=[1-9]\d*,endColumn=[1-9]\d*)?::\S/);
    }
    expect(annotations.filter((line) => line.includes('title=dbfence non-routable-source,file=endpoints.yaml,line=35,endLine=35,col=16,endColumn=28::'))).toHaveLength(1);
    const outputs = readOutputs(run.outputFile);
    expect(outputs).toEqual({
      errors: '0', warnings: String(annotations.length), changes: expect.stringMatching(/^[1-9]\d*$/), drift: '0', 'comment-url': ourComments()[0]!.html_url, 'sarif-file': 'dbfence.sarif', 'verify-result': '', 'verify-failed': '',
    });
    expect(readFileSync(run.summaryFile, 'utf8')).toContain('### dbfence plan: `endpoints.yaml`');
    const sarif = JSON.parse(readFileSync(join(run.workspace, 'dbfence.sarif'), 'utf8'));
    const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-2.1.0.json', import.meta.url), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(schema);
    expect(validate(sarif), JSON.stringify(validate.errors)).toBe(true);
    expect(sarif.runs[0].results).toHaveLength(3);
  });

  it('updates the same comment on a rerun, and an older commit\'s run does not overwrite it', async () => {
    const rerun = await runDist('pull_request', payload('pull_request.synchronize'), {}, IN_PR);
    expect(rerun.code).toBe(0);
    expect(ourComments()).toHaveLength(1);
    expect(fake.requests.filter((request) => request.method === 'PATCH')).toHaveLength(1);

    const before = ourComments()[0]!.body;
    const older = payload('pull_request.synchronize', (p) => {
      p.pull_request.head.sha = BASE_SHA;
    });
    const run = await runDist('pull_request', older, {}, ON_MAIN);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('already shows a newer commit (ec26c3e)');
    expect(ourComments()).toHaveLength(1);
    expect(ourComments()[0]!.body).toBe(before);
  });

  it('refuses to plan with credentials on a fork\'s pull request', async () => {
    const requests = fake.requests.length;
    const fork = payload('pull_request.synchronize', (p) => {
      p.pull_request.head.repo.full_name = 'mallory/Hello-World';
      p.pull_request.head.repo.fork = true;
    });
    const run = await runDist('pull_request', fork, {}, IN_PR);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^::notice::Plan not run: the pull request comes from the fork mallory\/Hello-World/m);
    // No secret was even read, so none was registered for masking.
    expect(run.stdout).not.toContain('::add-mask::postgres://');
    // Only the base's trusted files are read: nothing is written.
    expect(fake.requests.slice(requests).map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /repos/Codertocat/Hello-World/contents/endpoints.yaml', 'GET /repos/Codertocat/Hello-World/contents/policies',
    ]);
    expect(readOutputs(run.outputFile)).toMatchObject({ changes: '', 'comment-url': '' });
  });

  it('fails a pull request that turns the rules off in its own policies, and lists the change first', async () => {
    const hostile = file(integration('metabase', 'metabase_ro', 'public.orders'))
      .replace('          - cidr: 127.0.0.1/32', '          - cidr: 0.0.0.0/0')
      .replace('user: metabase_ro', 'user: postgres')
      .replace('tls: { verify: full }', 'tls: { verify: none }');
    const off = 'kind: pack\nrules:\n  no-world-open: off\n  allowlist-breadth: off\n  no-admin-credential: off\n  read-only-grants: off\n  tls-verify-full: off\n';
    const run = await runDist('pull_request', payload('pull_request.synchronize'), {}, hostile, {}, { 'policies/zz-team.yaml': off });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error title=dbfence no-world-open,file=endpoints\.yaml,/m);
    expect(run.stdout).toMatch(/^::notice::This pull request changes the policies, the waivers, the provider settings or the secrets that check it/m);
    const body = ourComments()[0]!.body;
    const summary = readFileSync(run.summaryFile, 'utf8');
    for (const text of [body, summary]) {
      expect(text.indexOf('#### ⚠️ This pull request changes what checks it')).toBeGreaterThan(-1);
      expect(text.indexOf('#### ⚠️ This pull request changes what checks it')).toBeLessThan(text.indexOf('#### Errors'));
      for (const id of ['no-world-open', 'allowlist-breadth', 'no-admin-credential', 'read-only-grants', 'tls-verify-full']) expect(text).toContain(`| \`${id}\` | turned off |`);
    }
    // Lint errors stop the run before any credential is used.
    expect(run.stdout).not.toContain('::add-mask::postgres://');
  });

  it('sends nothing where a pull request points the provider, and says why', async () => {
    const moved = ON_MAIN.replace('  kind: postgres\n  adminUrl: { fromEnv: DBFENCE_PG_ADMIN_URL }', `  kind: aptible\n  environment: acme\n  token: { fromEnv: DBFENCE_PG_ADMIN_URL }\n  apiUrl: ${elsewhereUrl}`);
    const run = await runDist('pull_request', payload('pull_request.synchronize'), {}, moved);
    expect(elsewhereConnections).toEqual([]);
    const body = ourComments()[0]!.body;
    expect(body).toContain(`| \`provider.apiUrl\` | *unset* | \`${elsewhereUrl}\` |`);
    expect(body).toContain('| `provider.token.fromEnv` | *unset* | `DBFENCE_PG_ADMIN_URL` |');
    expect(body).toContain('**Provider:** not planned: the file\'s provider is aptible and the trusted provider settings are for postgres');
    expect(run.stdout).not.toContain('::add-mask::postgres://');
  });

  it('plans with the base\'s apiUrl and token when the pull request changes them', async () => {
    const aptible = (token: string, apiUrl: string) => `version: 1
provider:
  kind: aptible
  environment: acme
  token: { fromEnv: ${token} }
  apiUrl: ${apiUrl}
databases:
  - name: orders
    engine: postgresql
    endpoints:
      - name: orders-public
        exposure: public
        allow:
          - cidr: 52.20.10.10/32
            description: the office
`;
    const saved = fake.files.get(`${BASE_SHA}:endpoints.yaml`)!;
    fake.files.set(`${BASE_SHA}:endpoints.yaml`, aptible('APTIBLE_TOKEN', trustedApiUrl));
    try {
      const run = await runDist('pull_request', payload('pull_request.synchronize'), {}, aptible('DBFENCE_PG_ADMIN_URL', elsewhereUrl));
      expect(run.code).toBe(1);
      expect(elsewhereConnections).toEqual([]);
      // The base's API got the base's token, and only that.
      expect(trustedApiAuthorizations.length).toBeGreaterThan(0);
      expect(new Set(trustedApiAuthorizations)).toEqual(new Set([`Bearer ${APTIBLE_TOKEN}`]));
      expect(run.stdout).toMatch(/^::error::dbfence: Aptible rejected the token from the environment variable APTIBLE_TOKEN \(401/m);
      expect(ourComments()[0]!.body).toContain(`| \`provider.apiUrl\` | \`${trustedApiUrl}\` | \`${elsewhereUrl}\` |`);
    } finally {
      fake.files.set(`${BASE_SHA}:endpoints.yaml`, saved);
    }
  });

  it('never reads credentials on pull_request_target, issue_comment or workflow_run, and comments with the base\'s policies', async () => {
    fake.pulls.set(PR_NUMBER, { number: PR_NUMBER, head: { sha: HEAD_SHA }, base: { sha: BASE_SHA }, merged_at: null, merge_commit_sha: null });
    const events = [
      ['pull_request_target', payload('pull_request.synchronize')],
      ['issue_comment', example('issue_comment', (p) => p.action === 'created', (p) => { p.issue.number = PR_NUMBER; p.issue.pull_request = {}; })],
      ['workflow_run', example('workflow_run', (p) => p.workflow_run.pull_requests.length > 0, (p) => { p.workflow_run.event = 'pull_request'; })],
    ] as const;
    for (const [name, data] of events) {
      const run = await runDist(name, data, {}, IN_PR, {}, { 'policies/zz.yaml': 'kind: pack\nrules:\n  integration-owner: off\n' });
      expect(run.code, name).toBe(0);
      expect(run.stdout, name).toMatch(new RegExp(`^::notice::Plan not run: ${name}( of a pull_request run)? runs with the repository's secrets`, 'm'));
      expect(run.stdout, name).not.toContain('::add-mask::postgres://');
      expect(ourComments()[0]!.body, name).toContain('| `integration-owner` | turned off | warning | off |');
    }
  });

  it('plans a merge group with its base\'s settings and posts no comment', async () => {
    const data = example('merge_group');
    fake.files.set(`${data.merge_group.base_sha}:endpoints.yaml`, ON_MAIN);
    const writes = () => fake.requests.filter((request) => request.method !== 'GET').length;
    const before = writes();
    const run = await runDist('merge_group', data, {}, IN_PR.replace('fromEnv: DBFENCE_PG_ADMIN_URL', 'fromEnv: FIVETRAN_RO_PASSWORD'));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`::add-mask::${server.adminUrl}`);
    expect(readFileSync(run.summaryFile, 'utf8')).toContain('postgres.role.fivetran_ro');
    expect(readFileSync(run.summaryFile, 'utf8')).toContain('| `provider.adminUrl.fromEnv` | `DBFENCE_PG_ADMIN_URL` | `FIVETRAN_RO_PASSWORD` |');
    expect(writes()).toBe(before);
  });

  it('lets no secret reach GitHub or the log, whatever happens', async () => {
    const target = await runDist('pull_request_target', payload('pull_request.synchronize'), { command: 'apply' }, IN_PR);
    expect(target.code).toBe(1);
    expect(target.stdout).toContain('::error::dbfence: apply refused on a pull_request_target event');
    const unreachable = server.adminUrl.replace(/@127\.0\.0\.1:\d+/, '@127.0.0.1:1');
    secrets.push(unreachable);
    const broken = await runDist('pull_request', payload('pull_request.synchronize'), {}, IN_PR, { DBFENCE_PG_ADMIN_URL: unreachable });
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^::error::dbfence: postgres: cannot connect to 127\.0\.0\.1:1/m);
    expect(ourComments()[0]!.body).toContain('the plan could not run');

    const sent = fake.requests.map((request) => `${request.path}?${request.query} ${request.body}`).join('\n');
    expect(fake.requests.every((request) => request.headers.authorization === `token ${TOKEN}`)).toBe(true);
    for (const secret of secrets) expect(sent).not.toContain(secret);
    // Every run of this file: only the ::add-mask:: commands, which the runner consumes, name a secret;
    // not the log, the job summary, the outputs or the SARIF file.
    expect(runs.length).toBeGreaterThanOrEqual(12);
    for (const run of runs) {
      const sarif = join(run.workspace, 'dbfence.sarif');
      const files = [readFileSync(run.summaryFile, 'utf8'), readFileSync(run.outputFile, 'utf8'), existsSync(sarif) ? readFileSync(sarif, 'utf8') : ''];
      for (const text of [...logLines(run), ...files]) for (const secret of secrets) expect(text).not.toContain(secret);
    }
  });
});
