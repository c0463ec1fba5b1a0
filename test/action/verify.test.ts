import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as core from '@actions/core';
import { stringify } from 'yaml';
import type { EndpointsConfig } from '../../src/model/config.js';
import { createCa } from '../../src/tls/ca.js';
import { FakeGitHub } from '../fakes/github/server.js';
import { startTestServer, type TestServer } from '../helpers/pg-server.js';
import { ADMIN_ENV, integration, ordersConfig, seedOrders, withAdmin } from '../providers/postgres/fixtures.js';
import { BASE_SHA, defaultInputs, HEAD_SHA, MERGE_SHA, payload, PR_NUMBER, readOutputs, type Runner, runnerEnvironment, TOKEN } from './runner.js';

vi.mock('@actions/core', { spy: true });
const { main } = await import('../../src/action/main.js');

// Apply, then verify, in-process against a real PostgreSQL: the endpoint's
// hostname is sent to loopback with verify-resolve, as a runner inside the
// network would reach it.
const HOSTNAME = 'orders.db.example.com';
const PASSWORD = 'metabase secret do-not-leak';
const SUMMARY = join(tmpdir(), `dbfence-action-verify-summary-${process.pid}.md`);
const cwd = process.cwd();
const env = { ...process.env };
let server: TestServer;
let fake: FakeGitHub;
let file: string;
let secrets: Record<string, string>;
const failures: string[] = [];
const logged: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  await seedOrders(server);
  const ca = createCa({ commonName: 'dbfence action verify test CA', validityDays: 365 });
  const base = ordersConfig([integration('metabase', 'metabase_ro', { tls: { verify: 'full' } })]);
  const config: EndpointsConfig = {
    ...base,
    provider: { kind: 'postgres', adminUrl: { fromEnv: ADMIN_ENV }, ca: { certificate: { fromEnv: 'CA_CERT' }, key: { fromEnv: 'CA_KEY' } } },
    databases: base.databases.map((database) => ({
      ...database,
      endpoints: [{ name: 'orders-public', exposure: 'public', hostname: HOSTNAME, port: server.port, allow: [{ cidr: '127.0.0.1/32' }] }],
    })),
  };
  file = stringify(config);
  secrets = { [ADMIN_ENV]: server.adminUrl, CA_CERT: ca.certificatePem, CA_KEY: ca.keyPem, METABASE_RO_PASSWORD: PASSWORD };
  fake = new FakeGitHub('Codertocat', 'Hello-World', TOKEN);
  await fake.start();
  fake.addHistory(undefined, BASE_SHA, HEAD_SHA);
}, 120_000);

afterAll(async () => {
  await fake?.stop();
  await server?.stop();
});

beforeEach(() => {
  fake.comments.clear();
  fake.pulls.set(PR_NUMBER, { number: PR_NUMBER, head: { sha: HEAD_SHA }, merged_at: '2026-01-02T00:00:00Z', merge_commit_sha: MERGE_SHA });
  failures.length = 0;
  logged.length = 0;
  writeFileSync(SUMMARY, '');
  vi.mocked(core.setFailed).mockImplementation((message) => void failures.push(String(message)));
  vi.mocked(core.setSecret).mockImplementation(() => {});
  vi.mocked(core.info).mockImplementation((message) => void logged.push(message));
});

afterEach(() => {
  process.chdir(cwd);
  process.env = { ...env };
});

async function apply(inputs: Record<string, string> = {}): Promise<Runner> {
  const runner = runnerEnvironment({
    event: 'push', payload: payload('push'), apiUrl: fake.url,
    inputs: defaultInputs({ command: 'apply', 'verify-resolve': `${HOSTNAME}:${server.port}:127.0.0.1`, ...inputs }),
    extra: { ...secrets, GITHUB_STEP_SUMMARY: SUMMARY },
  });
  writeFileSync(join(runner.workspace, 'endpoints.yaml'), file);
  process.env = { ...env, ...runner.env };
  process.chdir(runner.workspace);
  await main();
  return runner;
}

const lastComment = () => fake.commentsOn(PR_NUMBER).at(-1)!.body;
const everything = (runner: Runner) => [lastComment(), readFileSync(SUMMARY, 'utf8'), readFileSync(runner.outputFile, 'utf8'), ...logged, ...failures].join('\n');

describe('apply with verify', () => {
  it('applies, proves every check, and puts the proof table in the comment and the job summary', async () => {
    const runner = await apply();
    expect(failures).toEqual([]);
    const comment = lastComment();
    expect(comment).toMatch(/✅ applied \d+ changes · ✅ verified: all 8 proofs hold/);
    expect(comment).toContain('### dbfence verify: all 8 proofs hold');
    expect(comment).toMatch(/\| ✅ \| `metabase` \| `read-only` \|/);
    expect(readFileSync(SUMMARY, 'utf8')).toContain('| ✅ | `metabase` | `credentials` | logged in as metabase\\_ro with the password of $METABASE\\_RO\\_PASSWORD, over verified TLS |');
    expect(readOutputs(runner.outputFile)).toMatchObject({ 'verify-result': 'passed', 'verify-failed': '0' });
    for (const secret of [PASSWORD, new URL(server.adminUrl).password]) expect(everything(runner)).not.toContain(secret);
  });

  it('with verify: false, applies and proves nothing', async () => {
    const runner = await apply({ verify: 'false' });
    expect(failures).toEqual([]);
    expect(lastComment()).toContain('✅ nothing to apply');
    expect(lastComment()).not.toContain('verif');
    expect(readOutputs(runner.outputFile)).toMatchObject({ 'verify-result': 'skipped', 'verify-failed': '' });
  });

  it('fails the step, after posting the red proof, when the server grants what the file does not and apply has nothing to change', async () => {
    // dbfence does not revoke PUBLIC's grants, so apply leaves this alone; verify sees every integration can read the table.
    await withAdmin(server, (client) => client.query('GRANT SELECT ON public.refunds TO PUBLIC'), 'orders');
    try {
      const runner = await apply();
      expect(failures).toEqual(['dbfence: verify: 1 of 8 proofs failed; see the proof table']);
      const comment = lastComment();
      expect(comment).toContain('✅ nothing to apply: the live state already matches the file · ❌ verify: 1 of 8 proofs failed');
      expect(comment).toMatch(/\| ❌ \| `metabase` \| `ungranted-denied` \| [^\n]*public\.refunds/);
      expect(readFileSync(SUMMARY, 'utf8')).toContain('### dbfence verify: 1 of 8 proofs failed');
      expect(readOutputs(runner.outputFile)).toMatchObject({ 'verify-result': 'failed', 'verify-failed': '1' });
      for (const secret of [PASSWORD, new URL(server.adminUrl).password]) expect(everything(runner)).not.toContain(secret);
    } finally {
      await withAdmin(server, (client) => client.query('REVOKE SELECT ON public.refunds FROM PUBLIC'), 'orders');
    }
  });
});
