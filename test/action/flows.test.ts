import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as core from '@actions/core';
import type { EndpointsConfig } from '../../src/model/config.js';
import type { ProviderContext } from '../../src/providers/types.js';
import type { VerifyOptions } from '../../src/verify/run.js';
import type { VerifyResult } from '../../src/verify/types.js';
import { FakeGitHub } from '../fakes/github/server.js';
import { fakeProvider, type FakeLive } from '../plan/fake-provider.js';
import { BASE_SHA, defaultInputs, example, HEAD_SHA, MERGE_SHA, payload, PR_NUMBER, readOutputs, type Runner, runnerEnvironment, TOKEN } from './runner.js';

vi.mock('@actions/core', { spy: true });

// The plan pipeline runs for real; only the provider is a fake. Like a real
// provider, it reads its admin URL through the secret resolver.
let live: FakeLive;
let provider: ReturnType<typeof fakeProvider>;
const providersMade: ProviderContext[] = [];
const plannedWith: EndpointsConfig['provider'][] = [];
vi.mock('../../src/providers/index.js', () => ({
  createProvider: async (config: EndpointsConfig, context: ProviderContext) => {
    providersMade.push(context);
    plannedWith.push(config.provider);
    if ('adminUrl' in config.provider) context.secrets.resolve(config.provider.adminUrl, 'the admin URL');
    return provider;
  },
}));
// Verify after apply runs against a real server in verify.test.ts; here it is
// the fake provider's file, with no server to prove, so its answer is given.
const verifyRuns: VerifyOptions[] = [];
let verifyAnswer: () => VerifyResult = () => ({ file: 'endpoints.yaml', proofs: [], summary: { integrations: 0, proofs: 0, failed: 0 } });
vi.mock('../../src/verify/run.js', async (original) => ({
  ...(await original<typeof import('../../src/verify/run.js')>()),
  runVerify: async (options: VerifyOptions) => {
    verifyRuns.push(options);
    return verifyAnswer();
  },
}));
const { main } = await import('../../src/action/main.js');
const { ToolError } = await import('../../src/errors.js');
const { scrubSecrets } = await import('../../src/action/secrets.js');

const ADMIN_URL = 'postgres://dbfence_admin:S3cr3t-pa55word@db.internal:5432/postgres';
const FILE = (cidrs: string[]) => `version: 1
provider:
  kind: postgres
  adminUrl: { fromEnv: PG_URL }
databases:
  - name: orders
    engine: postgresql
    endpoints:
      - name: public
        exposure: public
        allow:
${cidrs.map((cidr) => `          - cidr: ${cidr}\n`).join('')}`;

// @actions/core remembers the first summary file it wrote to: one for the whole file.
const SUMMARY = join(tmpdir(), `dbfence-flows-summary-${process.pid}.md`);
const cwd = process.cwd();
const env = { ...process.env };
let fake: FakeGitHub;
const failures: string[] = [];
const annotations: { level: string; message: string; properties: unknown }[] = [];

beforeAll(async () => {
  fake = new FakeGitHub('Codertocat', 'Hello-World', TOKEN);
  await fake.start();
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.comments.clear();
  fake.files.clear();
  fake.pulls.clear();
  fake.requests.length = 0;
  fake.readOnly = false;
  fake.addHistory(undefined, BASE_SHA, HEAD_SHA);
  // The base commit's file: its provider settings are the ones a pull request is planned with.
  fake.files.set(`${BASE_SHA}:endpoints.yaml`, FILE(['52.20.10.10/32']));
  failures.length = 0;
  annotations.length = 0;
  providersMade.length = 0;
  plannedWith.length = 0;
  verifyRuns.length = 0;
  verifyAnswer = () => ({ file: 'endpoints.yaml', proofs: [], summary: { integrations: 0, proofs: 0, failed: 0 } });
  live = new Map([['orders/public', ['52.20.10.10/32']]]);
  provider = fakeProvider(live);
  writeFileSync(SUMMARY, '');
  vi.mocked(core.setFailed).mockImplementation((message) => void failures.push(String(message)));
  vi.mocked(core.setSecret).mockReset().mockImplementation(() => {});
  for (const level of ['error', 'warning', 'notice'] as const) {
    vi.mocked(core[level]).mockImplementation((message, properties) => void annotations.push({ level, message: String(message), properties }));
  }
  vi.mocked(core.info).mockImplementation(() => {});
});
afterEach(() => {
  process.chdir(cwd);
  process.env = { ...env };
});

interface RunOptions {
  ref?: string;
  sha?: string;
  /** More files of the checkout, by path in the workspace. */
  files?: Record<string, string>;
}

async function run(event: string, data: unknown, inputs: Record<string, string>, file: string | undefined, options: RunOptions = {}): Promise<Runner> {
  const { files = {}, ...git } = options;
  const runner = runnerEnvironment({ event, payload: data, inputs: defaultInputs(inputs), apiUrl: fake.url, extra: { PG_URL: ADMIN_URL, GITHUB_STEP_SUMMARY: SUMMARY }, ...git });
  if (file !== undefined) writeFileSync(join(runner.workspace, 'endpoints.yaml'), file);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(runner.workspace, path)), { recursive: true });
    writeFileSync(join(runner.workspace, path), text);
  }
  process.env = { ...env, ...runner.env };
  process.chdir(runner.workspace);
  await main();
  return runner;
}

const pullRequest = payload('pull_request.synchronize');
const fork = payload('pull_request.synchronize', (p) => {
  p.pull_request.head.repo.full_name = 'mallory/Hello-World';
  p.pull_request.head.repo.fork = true;
});
const ourComments = () => fake.commentsOn(PR_NUMBER).filter((comment) => comment.body.includes('<!-- dbfence:report -->'));
const sentBodies = () => fake.requests.map((request) => request.body).join('\n');

describe('plan on a pull request', () => {
  it('reports the plan and the drift in one comment, the job summary, SARIF and the outputs', async () => {
    live.set('orders/public', ['52.20.10.10/32', '8.8.8.8/32']);
    fake.files.set(`${BASE_SHA}:endpoints.yaml`, FILE(['52.20.10.10/32']));
    const runner = await run('pull_request', pullRequest, {}, FILE(['52.20.10.10/32', '34.90.0.0/28']));

    expect(failures).toEqual([]);
    const [comment] = ourComments();
    expect(ourComments()).toHaveLength(1);
    expect(comment!.body).toContain('fake.allowlist.orders/public');
    expect(comment!.body).toContain('**Drift:** 1 change made outside the file');
    expect(comment!.body).toContain(`"sha":"${HEAD_SHA}"`);
    const contents = fake.requests.find((request) => request.path.includes('/contents/'))!;
    expect(contents.path).toBe('/repos/Codertocat/Hello-World/contents/endpoints.yaml');
    expect(contents.query.get('ref')).toBe(BASE_SHA);
    expect(readOutputs(runner.outputFile)).toEqual({
      errors: '0', warnings: '1', changes: '1', drift: '1', 'comment-url': comment!.html_url, 'sarif-file': 'dbfence.sarif', 'verify-result': '', 'verify-failed': '',
    });
    expect(readFileSync(SUMMARY, 'utf8')).toContain('### dbfence plan: `endpoints.yaml`');
    const sarif = JSON.parse(readFileSync(join(runner.workspace, 'dbfence.sarif'), 'utf8'));
    const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-2.1.0.json', import.meta.url), 'utf8')) as object;
    expect(new Ajv2020({ strict: false, validateFormats: false }).validate(schema, sarif)).toBe(true);
  });

  it('masks the provider\'s secrets as they are read, and sends none of them to GitHub', async () => {
    await run('pull_request', pullRequest, {}, FILE(['52.20.10.10/32', '34.90.0.0/28']));
    // Masked once per process: an earlier test of this file may have been first.
    for (const secret of [TOKEN, ADMIN_URL, 'S3cr3t-pa55word']) expect(scrubSecrets(`[${secret}]`)).toBe('[***]');
    expect(sentBodies()).not.toContain('S3cr3t-pa55word');
  });

  it('updates its comment on a rerun and leaves a newer commit\'s comment alone', async () => {
    await run('pull_request', pullRequest, {}, FILE(['52.20.10.10/32', '34.90.0.0/28']));
    await run('pull_request', pullRequest, {}, FILE(['52.20.10.10/32', '34.90.0.0/29']));
    expect(ourComments()).toHaveLength(1);
    expect(ourComments()[0]!.body).toContain('34.90.0.0/29');

    const older = payload('pull_request.synchronize', (p) => {
      p.pull_request.head.sha = BASE_SHA;
    });
    const runner = await run('pull_request', older, {}, FILE(['52.20.10.10/32']));
    expect(ourComments()).toHaveLength(1);
    expect(ourComments()[0]!.body).toContain('34.90.0.0/29');
    // The comment it left alone is not this run's: the output stays empty.
    expect(readOutputs(runner.outputFile)['comment-url']).toBe('');
  });

  it('posts nothing when nothing was found and nothing would change', async () => {
    fake.files.set(`${BASE_SHA}:endpoints.yaml`, FILE(['52.20.10.10/32']));
    await run('pull_request', pullRequest, {}, FILE(['52.20.10.10/32']));
    expect(fake.requests.filter((request) => request.method !== 'GET' && request.path !== '/graphql')).toEqual([]);
    expect(failures).toEqual([]);
  });

  it('fails on lint errors, annotates them and still comments, without reading the live state', async () => {
    const runner = await run('pull_request', pullRequest, {}, FILE(['0.0.0.0/0']));
    expect(providersMade).toHaveLength(0);
    expect(failures).toEqual([expect.stringMatching(/^dbfence: \d+ errors? and \d+ warnings? in endpoints\.yaml/)]);
    expect(annotations).toContainEqual(expect.objectContaining({ level: 'error', properties: expect.objectContaining({ file: 'endpoints.yaml', startLine: 12, title: 'dbfence no-world-open' }) }));
    expect(ourComments()[0]!.body).toContain('**No plan:** the file has lint errors');
    expect(readOutputs(runner.outputFile).changes).toBe('');
  });

  it('annotates what GitHub will show and says in the summary how many findings were left off', async () => {
    await run('pull_request', pullRequest, { command: 'lint' }, FILE(Array.from({ length: 12 }, (_, i) => `${i + 20}.0.0.0/8`)));
    const errors = annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(9);
    expect(readFileSync(SUMMARY, 'utf8')).toContain('> 3 of 12 errors are not annotated on the diff');
  });

  it('does not plan a file new on this branch: the base has no provider settings to trust', async () => {
    fake.files.delete(`${BASE_SHA}:endpoints.yaml`);
    const runner = await run('pull_request', pullRequest, {}, FILE(['52.20.10.10/32', '34.90.0.0/28']));
    expect(providersMade).toHaveLength(0);
    expect(ourComments()[0]!.body).toContain('**No plan:** endpoints.yaml does not exist at f95f852, so there are no trusted provider settings to plan with; it is planned once merged');
    expect(readOutputs(runner.outputFile)).toMatchObject({ changes: '', drift: '' });
  });

  it('on a fork, lints only: no credential is read, no provider made, no comment attempted', async () => {
    const runner = await run('pull_request', fork, {}, FILE(['52.20.10.10/32', '34.90.0.0/28']));
    expect(providersMade).toHaveLength(0);
    expect(core.setSecret).not.toHaveBeenCalledWith(ADMIN_URL);
    // Only the base's trusted files are read.
    expect(fake.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /repos/Codertocat/Hello-World/contents/endpoints.yaml', 'GET /repos/Codertocat/Hello-World/contents/policies',
    ]);
    expect(annotations.filter((a) => a.level === 'notice').map((a) => a.message)).toEqual([
      expect.stringMatching(/^No pull-request comment: the pull request comes from the fork mallory\/Hello-World/),
      expect.stringMatching(/^Plan not run: the pull request comes from the fork/),
    ]);
    expect(readOutputs(runner.outputFile)).toMatchObject({ changes: '', 'comment-url': '' });
    expect(failures).toEqual([]);
  });

  it('on pull_request_target, comments but never plans with credentials', async () => {
    await run('pull_request_target', fork, {}, FILE(['52.20.10.10/32', '34.90.0.0/28']));
    expect(providersMade).toHaveLength(0);
    expect(ourComments()[0]!.body).toMatch(/\*\*No plan:\*\* pull\\_request\\_target runs with the repository's secrets on behalf of a pull request/);
  });

  it('fails with one clear line when it cannot comment', async () => {
    fake.readOnly = true;
    await run('pull_request', pullRequest, { command: 'lint' }, FILE(['0.0.0.0/0']));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^dbfence: cannot post the pull-request comment: GitHub answered 403 Resource not accessible by integration.*`permissions: pull-requests: write`/);
  });
});

describe('what a pull request cannot change', () => {
  const TURNED_OFF = `kind: pack
rules:
  no-world-open: off
  allowlist-breadth: off
  no-admin-credential: off
  read-only-grants: off
  tls-verify-full: off
`;
  const HOSTILE = `${FILE(['0.0.0.0/0'])}    integrations:
      - name: backdoor
        owner: mallory@example.com
        user: postgres
        endpoint: public
        access: read-write
        from: [52.20.10.10/32]
        tls: { verify: none }
        keepalive: 5m
        credentials:
          password: { fromEnv: BACKDOOR_PASSWORD }
`;

  it('lints a pull request that turns rules off with the base\'s policies, and lists the change first', async () => {
    const runner = await run('pull_request', pullRequest, { command: 'lint' }, HOSTILE, { files: { 'policies/zz-team.yaml': TURNED_OFF } });
    expect(failures).toEqual([expect.stringMatching(/^dbfence: [1-9]\d* errors? and \d+ warnings? in endpoints\.yaml/)]);
    expect(annotations).toContainEqual(expect.objectContaining({ level: 'error', properties: expect.objectContaining({ title: 'dbfence no-world-open' }) }));
    const body = ourComments()[0]!.body;
    const summary = readFileSync(SUMMARY, 'utf8');
    for (const text of [body, summary]) {
      expect(text).toContain('#### ⚠️ This pull request changes what checks it');
      expect(text.indexOf('This pull request changes what checks it')).toBeLessThan(text.indexOf('#### Errors'));
      for (const id of ['no-world-open', 'allowlist-breadth', 'no-admin-credential', 'read-only-grants', 'tls-verify-full']) {
        expect(text).toMatch(new RegExp(`\\| \`${id}\` \\| turned off \\| (error|warning) \\| off \\|`));
      }
      expect(text).toContain('use the policies of the base commit `f95f852`');
    }
    // The pull request's policies were read from the base through the contents API, never from the workspace.
    expect(fake.requests.some((request) => request.path === '/repos/Codertocat/Hello-World/contents/policies' && request.query.get('ref') === BASE_SHA)).toBe(true);
    expect(readOutputs(runner.outputFile).errors).not.toBe('0');
  });

  it('with trust: head, uses the pull request\'s policies and still lists what they change', async () => {
    await run('pull_request', pullRequest, { command: 'lint', trust: 'head' }, HOSTILE, { files: { 'policies/zz-team.yaml': TURNED_OFF } });
    expect(annotations.filter((a) => a.level === 'error')).toEqual([]);
    const body = ourComments()[0]!.body;
    expect(body).toContain('The findings below use these changed policies (trust: head)');
    expect(body).toMatch(/\| `no-world-open` \| turned off \| error \| off \|/);
  });

  it('keeps the base\'s waiver policy, and lists each waiver the pull request adds with its reason and expiry', async () => {
    fake.files.set(`${BASE_SHA}:policies/strict.yaml`, 'kind: pack\nwaivers: forbidden\nrules: {}\n');
    const waived = FILE(['52.20.10.10/32', '0.0.0.0/0']).replace('          - cidr: 0.0.0.0/0', '          # dbfence-ignore no-world-open until=2099-01-01 reason="vendor needs it"\n          - cidr: 0.0.0.0/0');
    await run('pull_request', pullRequest, { command: 'lint' }, waived, { files: { 'policies/strict.yaml': 'kind: pack\nwaivers: allowed\nrules: {}\n' } });
    expect(annotations).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringMatching(/in-file waivers are forbidden by your policies/) }));
    expect(annotations).toContainEqual(expect.objectContaining({ level: 'error', properties: expect.objectContaining({ title: 'dbfence no-world-open' }) }));
    const body = ourComments()[0]!.body;
    expect(body).toContain('**In-file waivers:** forbidden at the base, allowed in the pull request.');
    expect(body).toContain('| added | `no-world-open` | `endpoints.yaml:13` | vendor needs it | 2099-01-01 |');
  });

  it('lists custom rules the pull request removes, and options it loosens', async () => {
    const rule = 'kind: rule\nid: no-big-ranges\nseverity: error\nmessage: too broad\ntarget: allow-entry\nassert: { properties: { cidr: { cidrMaxAddresses: 256 } } }\n';
    fake.files.set(`${BASE_SHA}:policies/no-big-ranges.yaml`, rule);
    fake.files.set(`${BASE_SHA}:policies/team.yaml`, 'kind: pack\nrules:\n  allowlist-breadth: { options: { ipv4MaxAddresses: 256 } }\n');
    await run('pull_request', pullRequest, { command: 'lint' }, FILE(['52.20.10.10/32', '34.0.0.0/16']), {
      files: { 'policies/team.yaml': 'kind: pack\nrules:\n  allowlist-breadth: { options: { ipv4MaxAddresses: 16777216 } }\n' },
    });
    const body = ourComments()[0]!.body;
    expect(body).toContain('| `no-big-ranges` | removed |');
    expect(body).toContain('| `allowlist-breadth` | `ipv4MaxAddresses` | `256` | `16777216` |');
    // The base's custom rule still runs, and the base's option holds.
    expect(annotations).toContainEqual(expect.objectContaining({ level: 'error', properties: expect.objectContaining({ title: 'dbfence allowlist-breadth' }) }));
    expect(annotations).toContainEqual(expect.objectContaining({ level: 'error', properties: expect.objectContaining({ title: 'dbfence no-big-ranges' }) }));
  });

  it('names a broken policy of the base where it is, and stops', async () => {
    fake.files.set(`${BASE_SHA}:policies/broken.yaml`, 'kind: pack\nrules:\n  no-such-rule: off\n');
    await run('pull_request', pullRequest, { command: 'lint' }, FILE(['52.20.10.10/32']));
    expect(failures).toEqual([expect.stringMatching(/^dbfence: f95f852:policies\/broken\.yaml: broken policy: rules\.no-such-rule: no rule has this id/)]);
  });

  it('plans with the base\'s provider settings, never the pull request\'s, and says so', async () => {
    const moved = FILE(['52.20.10.10/32', '34.90.0.0/28']).replace('adminUrl: { fromEnv: PG_URL }', 'adminUrl: { fromEnv: GITHUB_TOKEN }');
    await run('pull_request', pullRequest, {}, moved);
    expect(plannedWith).toEqual([{ kind: 'postgres', adminUrl: { fromEnv: 'PG_URL' } }]);
    const body = ourComments()[0]!.body;
    expect(body).toContain('| `provider.adminUrl.fromEnv` | `PG_URL` | `GITHUB_TOKEN` |');
    expect(body).toContain('**Provider:** planned with the provider settings of f95f852, not the pull request\'s: they apply once merged');
    expect(body).toContain('fake.allowlist.orders/public');
  });

  it('does not plan a pull request that changes the provider\'s kind, and says why', async () => {
    const other = FILE(['52.20.10.10/32']).replace('  kind: postgres\n  adminUrl: { fromEnv: PG_URL }', '  kind: aptible\n  environment: acme\n  token: { fromEnv: PG_URL }\n  apiUrl: http://198.51.100.7');
    await run('pull_request', pullRequest, {}, other);
    expect(providersMade).toHaveLength(0);
    const body = ourComments()[0]!.body;
    expect(body).toContain('| `provider.apiUrl` | *unset* | `http://198.51.100.7` |');
    expect(body).toContain('| `provider.kind` | `postgres` | `aptible` |');
    expect(body).toContain('**Provider:** not planned: the file\'s provider is aptible and the trusted provider settings are for postgres, so the file is not planned with them');
  });

  it('lists the secrets the pull request\'s file reads that the base\'s does not', async () => {
    const file = `${FILE(['52.20.10.10/32'])}    integrations:
      - name: reporting
        owner: data@example.com
        user: reporting_ro
        endpoint: public
        from: [52.20.10.10/32]
        tls: { verify: full }
        keepalive: 5m
        credentials:
          password: { fromEnv: PG_URL }
`;
    await run('pull_request', pullRequest, { command: 'lint' }, file);
    expect(ourComments()[0]!.body).toContain('| `fromEnv: PG_URL` | `databases[0].integrations[0].credentials.password` |');
  });

  it('never shows an inline secret or a URL\'s password in the list of changes', async () => {
    const inline = FILE(['52.20.10.10/32']).replace('adminUrl: { fromEnv: PG_URL }', 'adminUrl: postgres://root:hunter2-inline@db.example.com/postgres');
    await run('pull_request', pullRequest, { command: 'lint' }, inline);
    const body = ourComments()[0]!.body;
    expect(body).toContain('| `provider.adminUrl` | *unset* | `(a value, not shown)` |');
    expect(body).not.toContain('hunter2');
    expect(readFileSync(SUMMARY, 'utf8')).not.toContain('hunter2');
  });
});

describe('each event, as docs/action.md says', () => {
  const CHANGED = FILE(['52.20.10.10/32', '34.90.0.0/28']);
  const commentsOn = (pull: number) => fake.commentsOn(pull).filter((comment) => comment.body.includes('<!-- dbfence:report -->'));

  it('issue_comment on a pull request: looks the pull request up, lints with its base\'s policies, comments, never reads credentials', async () => {
    fake.pulls.set(1, { number: 1, head: { sha: HEAD_SHA }, base: { sha: BASE_SHA }, merged_at: null, merge_commit_sha: null });
    const data = example('issue_comment', (p) => p.action === 'created', (p) => {
      p.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' };
    });
    await run('issue_comment', data, {}, CHANGED, { files: { 'policies/zz.yaml': 'kind: pack\nrules:\n  allowlist-breadth: off\n' } });
    expect(providersMade).toHaveLength(0);
    expect(core.setSecret).not.toHaveBeenCalledWith(ADMIN_URL);
    const [comment] = commentsOn(1);
    expect(comment!.body).toMatch(/\*\*No plan:\*\* issue\\_comment runs with the repository's secrets on behalf of a pull request/);
    expect(comment!.body).toContain('| `allowlist-breadth` | turned off | error | off |');
    expect(comment!.body).toContain(`"sha":"${HEAD_SHA}"`);
  });

  it('workflow_run of a pull request: reports to the pull request GitHub names, with its base\'s policies, never reads credentials', async () => {
    const data = example('workflow_run', (p) => p.workflow_run.pull_requests.length > 0, (p) => {
      p.workflow_run.event = 'pull_request';
    });
    await run('workflow_run', data, {}, CHANGED);
    expect(providersMade).toHaveLength(0);
    expect(commentsOn(PR_NUMBER)).toHaveLength(1);
    expect(fake.requests.some((request) => request.path.endsWith('/contents/endpoints.yaml') && request.query.get('ref') === BASE_SHA)).toBe(true);
  });

  it('merge_group: plans with the queue base\'s provider settings and posts no comment', async () => {
    const data = example('merge_group');
    const base = data.merge_group.base_sha as string;
    fake.files.set(`${base}:endpoints.yaml`, FILE(['52.20.10.10/32']));
    await run('merge_group', data, {}, CHANGED.replace('{ fromEnv: PG_URL }', '{ fromEnv: OTHER_URL }'), { ref: data.merge_group.head_ref, sha: data.merge_group.head_sha });
    expect(plannedWith).toEqual([{ kind: 'postgres', adminUrl: { fromEnv: 'PG_URL' } }]);
    expect(fake.requests.filter((request) => request.method !== 'GET')).toEqual([]);
    expect(readFileSync(SUMMARY, 'utf8')).toContain('| `provider.adminUrl.fromEnv` | `PG_URL` | `OTHER_URL` |');
  });

  it('schedule and workflow_dispatch: plan the workspace\'s file with its own settings, read nothing from GitHub, post nothing', async () => {
    await run('schedule', { schedule: '0 6 * * *' }, {}, CHANGED, { ref: 'refs/heads/master' });
    await run('workflow_dispatch', example('workflow_dispatch', (p) => p.ref === 'refs/heads/master'), {}, CHANGED, { ref: 'refs/heads/master' });
    expect(plannedWith).toEqual([{ kind: 'postgres', adminUrl: { fromEnv: 'PG_URL' } }, { kind: 'postgres', adminUrl: { fromEnv: 'PG_URL' } }]);
    expect(fake.requests).toEqual([]);
    expect(failures).toEqual([]);
  });

  it('apply refuses every event about changes not merged yet', async () => {
    for (const [name, data] of [
      ['merge_group', example('merge_group')],
      ['workflow_run', example('workflow_run', (p) => p.workflow_run.pull_requests.length > 0, (p) => { p.workflow_run.event = 'pull_request'; })],
      ['issue_comment', example('issue_comment', () => true, (p) => { p.issue.pull_request = {}; })],
    ] as const) {
      failures.length = 0;
      await run(name, data, { command: 'apply' }, CHANGED, { ref: 'refs/heads/master' });
      expect(failures).toEqual([expect.stringMatching(new RegExp(`^dbfence: apply refused on a ${name} event`))]);
    }
    expect(providersMade).toHaveLength(0);
  });
});

describe('apply on merge', () => {
  const push = payload('push');
  beforeEach(() => {
    fake.pulls.set(PR_NUMBER, { number: PR_NUMBER, head: { sha: HEAD_SHA }, merged_at: '2026-01-02T00:00:00Z', merge_commit_sha: MERGE_SHA });
    fake.pulls.set(1, { number: 1, head: { sha: 'e'.repeat(40) }, merged_at: null, merge_commit_sha: null });
  });

  it('applies the default branch\'s file and posts the result to the merged pull request', async () => {
    const runner = await run('push', push, { command: 'apply' }, FILE(['52.20.10.10/32', '34.90.0.0/28']));
    expect(failures).toEqual([]);
    expect(provider.applied).toHaveLength(1);
    expect(live.get('orders/public')).toEqual(['52.20.10.10/32', '34.90.0.0/28']);
    const [comment] = fake.commentsOn(PR_NUMBER);
    expect(comment!.body).toContain('<!-- dbfence:apply -->');
    expect(comment!.body).toContain('✅ applied 1 change');
    expect(fake.requests.some((request) => request.path === `/repos/Codertocat/Hello-World/commits/${MERGE_SHA}/pulls`)).toBe(true);
    expect(readOutputs(runner.outputFile)).toMatchObject({ changes: '1', 'comment-url': comment!.html_url, 'sarif-file': '' });
    expect(sentBodies()).not.toContain('S3cr3t-pa55word');
  });

  it('verifies what it applied with verify-resolve and verify-connect-to, and fails the step when verify cannot run, after posting', async () => {
    const targets = { 'verify-resolve': 'orders.db.example.com:5432:10.0.0.5\n', 'verify-connect-to': 'reports.db.example.com:5432:127.0.0.1:15432' };
    await run('push', push, { command: 'apply', ...targets }, FILE(['52.20.10.10/32', '34.90.0.0/28']));
    expect(verifyRuns).toEqual([expect.objectContaining({
      file: 'endpoints.yaml', resolve: ['orders.db.example.com:5432:10.0.0.5'], connectTo: ['reports.db.example.com:5432:127.0.0.1:15432'],
    })]);
    verifyAnswer = () => {
      throw new ToolError('verify: cannot reach orders.db.example.com:5432: connect ECONNREFUSED');
    };
    const runner = await run('push', push, { command: 'apply' }, FILE(['52.20.10.10/32', '34.90.0.0/28']));
    expect(failures).toEqual(['dbfence: verify could not run: cannot reach orders.db.example.com:5432: connect ECONNREFUSED']);
    const body = fake.commentsOn(PR_NUMBER).at(-1)!.body;
    expect(body).toContain('✅ nothing to apply: the live state already matches the file · ❌ verify could not run');
    expect(body).toContain('**Verify could not run:** cannot reach orders.db.example.com:5432');
    expect(readOutputs(runner.outputFile)).toMatchObject({ 'verify-result': 'failed', 'verify-failed': '' });
  });

  it('still posts the apply result when verify fails unexpectedly, and fails the step', async () => {
    verifyAnswer = () => {
      throw new TypeError('something unforeseen');
    };
    await run('push', push, { command: 'apply' }, FILE(['52.20.10.10/32', '34.90.0.0/28']));
    expect(provider.applied).toHaveLength(1);
    expect(failures).toEqual(['dbfence: verify could not run: internal error: something unforeseen']);
    expect(fake.commentsOn(PR_NUMBER)[0]!.body).toContain('✅ applied 1 change · ❌ verify could not run');
  });

  it('skips verify, without failing, for an engine verify does not prove yet, and says why', async () => {
    const skysql = FILE(['52.20.10.10/32', '34.90.0.0/28'])
      .replace('kind: postgres\n  adminUrl: { fromEnv: PG_URL }', 'kind: skysql\n  apiKey: { fromEnv: PG_URL }')
      .replace('engine: postgresql', 'engine: mariadb');
    const runner = await run('push', push, { command: 'apply' }, skysql);
    expect(failures).toEqual([]);
    expect(verifyRuns).toEqual([]);
    expect(fake.commentsOn(PR_NUMBER)[0]!.body).toContain('**Verify skipped:** database orders is mariadb; verify proves postgresql databases so far');
    expect(readOutputs(runner.outputFile)).toMatchObject({ 'verify-result': 'skipped', 'verify-failed': '' });
  });

  it('does not verify a refused apply', async () => {
    const runner = await run('push', push, { command: 'apply' }, FILE(['0.0.0.0/0']));
    expect(verifyRuns).toEqual([]);
    expect(readOutputs(runner.outputFile)).toMatchObject({ 'verify-result': 'skipped' });
  });

  it('refuses on a pull-request event', async () => {
    await run('pull_request', pullRequest, { command: 'apply' }, FILE(['52.20.10.10/32']));
    expect(failures).toEqual([expect.stringMatching(/^dbfence: apply refused on a pull_request event/)]);
    expect(providersMade).toHaveLength(0);
  });

  it('refuses on a branch other than the default, unless told', async () => {
    await run('push', push, { command: 'apply' }, FILE(['52.20.10.10/32', '34.90.0.0/28']), { ref: 'refs/heads/feature' });
    expect(failures).toEqual([expect.stringMatching(/apply refused: it applies the file of the default branch \(master\), and this run is on refs\/heads\/feature/)]);
    expect(provider.applied).toHaveLength(0);
    failures.length = 0;
    await run('push', push, { command: 'apply', 'allow-non-default-branch': 'true' }, FILE(['52.20.10.10/32', '34.90.0.0/28']), { ref: 'refs/heads/feature' });
    expect(failures).toEqual([]);
    expect(provider.applied).toHaveLength(1);
  });

  it('refuses an unacknowledged destructive change and says so on the pull request', async () => {
    live.set('orders/old', ['52.20.10.11/32']);
    await run('push', push, { command: 'apply' }, FILE(['52.20.10.10/32']));
    expect(provider.applied).toHaveLength(0);
    expect(failures).toEqual(['dbfence: apply refused: 1 destructive or disruptive change not acknowledged (allow-destructive)']);
    expect(fake.commentsOn(PR_NUMBER)[0]!.body).toContain('⛔ apply refused');
    await run('push', push, { command: 'apply', 'allow-destructive': 'true' }, FILE(['52.20.10.10/32']));
    expect(provider.applied).toHaveLength(1);
  });

  it('refuses, as a refusal on the pull request, a plan the live state moved away from before the apply ran', async () => {
    provider = fakeProvider(live, { meanwhile: () => live.set('orders/public', ['198.51.100.7/32']) });
    await run('push', push, { command: 'apply' }, FILE(['52.20.10.10/32', '34.90.0.0/28']));
    expect(provider.applied).toHaveLength(0);
    expect(failures).toEqual(['dbfence: apply refused: the live state changed since the plan was made (fake.allowlist.orders/public is planned differently now); nothing was applied: plan again and review it']);
    expect(fake.commentsOn(PR_NUMBER)[0]!.body).toContain('⛔ apply refused: the live state changed');
  });

  it('refuses when the file has lint errors', async () => {
    await run('push', push, { command: 'apply' }, FILE(['0.0.0.0/0']));
    expect(providersMade).toHaveLength(0);
    expect(failures).toEqual(['dbfence: apply refused: the file has lint errors; fix them before planning']);
  });

  it('reports a run that could not start to the pull request too', async () => {
    const runner = runnerEnvironment({ event: 'push', payload: push, inputs: defaultInputs({ command: 'apply' }), apiUrl: fake.url, extra: { GITHUB_STEP_SUMMARY: SUMMARY } });
    writeFileSync(join(runner.workspace, 'endpoints.yaml'), FILE(['52.20.10.10/32']));
    process.env = { ...env, ...runner.env };
    delete process.env.PG_URL;
    process.chdir(runner.workspace);
    await main();
    expect(failures).toEqual(['dbfence: apply could not run: the admin URL: the environment variable PG_URL is not set']);
    expect(fake.commentsOn(PR_NUMBER)[0]!.body).toContain('❌ apply could not run');
    expect(existsSync(join(runner.workspace, 'dbfence.sarif'))).toBe(false);
  });
});
