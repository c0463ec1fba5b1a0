import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as core from '@actions/core';
import type { EndpointsConfig } from '../../src/model/config.js';
import type { ProviderContext } from '../../src/providers/types.js';
import { FakeGitHub } from '../fakes/github/server.js';
import { fakeProvider, type FakeLive } from '../plan/fake-provider.js';
import { BASE_SHA, defaultInputs, HEAD_SHA, MERGE_SHA, payload, PR_NUMBER, readOutputs, type Runner, runnerEnvironment, TOKEN } from './runner.js';

vi.mock('@actions/core', { spy: true });

// The plan pipeline runs for real; only the provider is a fake. Like a real
// provider, it reads its admin URL through the secret resolver.
let live: FakeLive;
let provider: ReturnType<typeof fakeProvider>;
const providersMade: ProviderContext[] = [];
vi.mock('../../src/providers/index.js', () => ({
  createProvider: async (config: EndpointsConfig, context: ProviderContext) => {
    providersMade.push(context);
    if ('adminUrl' in config.provider) context.secrets.resolve(config.provider.adminUrl, 'the admin URL');
    return provider;
  },
}));
const { main } = await import('../../src/action/main.js');
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
  failures.length = 0;
  annotations.length = 0;
  providersMade.length = 0;
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

async function run(event: string, data: unknown, inputs: Record<string, string>, file: string | undefined, options: { ref?: string; sha?: string } = {}): Promise<Runner> {
  const runner = runnerEnvironment({ event, payload: data, inputs: defaultInputs(inputs), apiUrl: fake.url, extra: { PG_URL: ADMIN_URL, GITHUB_STEP_SUMMARY: SUMMARY }, ...options });
  if (file !== undefined) writeFileSync(join(runner.workspace, 'endpoints.yaml'), file);
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
      errors: '0', warnings: '1', changes: '1', drift: '1', 'comment-url': comment!.html_url, 'sarif-file': 'dbfence.sarif',
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

  it('says why drift was not checked when the file is new on this branch', async () => {
    const runner = await run('pull_request', pullRequest, {}, FILE(['52.20.10.10/32', '34.90.0.0/28']));
    expect(ourComments()[0]!.body).toContain('**Drift not checked:** endpoints.yaml does not exist at f95f852');
    expect(readOutputs(runner.outputFile).drift).toBe('');
  });

  it('on a fork, lints only: no credential is read, no provider made, no comment attempted', async () => {
    const runner = await run('pull_request', fork, {}, FILE(['52.20.10.10/32', '34.90.0.0/28']));
    expect(providersMade).toHaveLength(0);
    expect(core.setSecret).not.toHaveBeenCalledWith(ADMIN_URL);
    expect(fake.requests).toEqual([]);
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
    expect(ourComments()[0]!.body).toMatch(/\*\*No plan:\*\* pull\\_request\\_target runs with the base repository/);
  });

  it('fails with one clear line when it cannot comment', async () => {
    fake.readOnly = true;
    await run('pull_request', pullRequest, { command: 'lint' }, FILE(['0.0.0.0/0']));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^dbfence: cannot post the pull-request comment: GitHub answered 403 Resource not accessible by integration.*`permissions: pull-requests: write`/);
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
