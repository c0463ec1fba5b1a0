import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbfence, expectOneLineError } from './helpers.js';

// A repository whose main branch holds the reviewed policies and provider
// settings, and a working tree changed as a pull request would change it.
const file = (cidr: string, provider: string) => `version: 1
provider:
${provider}
databases:
  - name: orders
    engine: postgresql
    endpoints:
      - name: public
        exposure: public
        allow:
          - cidr: ${cidr}
            description: office
`;
const ON_MAIN = file('52.20.10.10/32', '  kind: postgres\n  adminUrl: { fromEnv: DBFENCE_TEST_MAIN_ADMIN_URL }');
const TURNED_OFF = 'kind: pack\nrules:\n  no-world-open: off\n  allowlist-breadth: off\n';

let repo: string;
let listener: Server;
let connections = 0;
let listenerUrl = '';

function git(...args: string[]): void {
  execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
}

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), 'dbfence-policies-from-'));
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'test');
  mkdirSync(join(repo, 'policies'));
  writeFileSync(join(repo, 'policies', 'strict.yaml'), 'kind: pack\nwaivers: forbidden\nrules: {}\n');
  writeFileSync(join(repo, 'endpoints.yaml'), ON_MAIN);
  git('add', '.');
  git('commit', '-q', '-m', 'reviewed');
  git('checkout', '-q', '-b', 'change');
  writeFileSync(join(repo, 'policies', 'zz-team.yaml'), TURNED_OFF);
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve));
  rmSync(repo, { recursive: true, force: true });
});

describe('--policies-from REF', () => {
  it('lints the working file with the policies as they stand at REF', async () => {
    writeFileSync(join(repo, 'endpoints.yaml'), file('0.0.0.0/0', '  kind: postgres\n  adminUrl: { fromEnv: DBFENCE_TEST_MAIN_ADMIN_URL }'));
    const own = await dbfence(['lint', '-f', 'json'], { cwd: repo });
    expect(JSON.parse(own.stdout).findings.filter((f: { ruleId: string }) => f.ruleId === 'no-world-open')).toEqual([]);
    const reviewed = await dbfence(['lint', '-f', 'json', '--policies-from', 'main'], { cwd: repo });
    expect(reviewed.code).toBe(1);
    expect(JSON.parse(reviewed.stdout).findings).toContainEqual(expect.objectContaining({ ruleId: 'no-world-open', severity: 'error', line: 12 }));
    // What the working tree changes in what checks it, as the Action lists it on the pull request.
    expect(reviewed.stderr).toBe([
      'Checked with the policies of main; your changes to what checks the file, which apply once merged:',
      '  rule allowlist-breadth: turned off (error → off)',
      '  rule no-world-open: turned off (error → off)',
      '',
    ].join('\n'));
  });

  it('plans with the provider settings at REF, never the working file\'s', async () => {
    writeFileSync(join(repo, 'endpoints.yaml'), file('52.20.10.10/32', '  kind: postgres\n  adminUrl: { fromEnv: DBFENCE_TEST_PR_ADMIN_URL }'));
    const outcome = await dbfence(['plan', '--policies-from', 'main'], { cwd: repo, env: { DBFENCE_TEST_PR_ADMIN_URL: 'postgres://x:y@127.0.0.1:1/postgres' } });
    // The reference of main is the one read (and it is not set here).
    expectOneLineError(outcome, /DBFENCE_TEST_MAIN_ADMIN_URL is not set/);
  });

  it('does not plan a file that moves to another provider, and sends nothing anywhere', async () => {
    writeFileSync(join(repo, 'endpoints.yaml'), file('52.20.10.10/32', `  kind: aptible\n  environment: acme\n  token: { fromEnv: DBFENCE_TEST_TOKEN }\n  apiUrl: ${listenerUrl}`));
    const outcome = await dbfence(['plan', '--policies-from', 'main'], { cwd: repo, env: { DBFENCE_TEST_TOKEN: 'token-that-must-stay-home' } });
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toContain('No plan: the file\'s provider is aptible and the trusted provider settings are for postgres');
    expect(outcome.stderr).toContain('  provider.kind: postgres → aptible\n');
    expect(outcome.stderr).toContain(`  provider.apiUrl: (unset) → ${listenerUrl}\n`);
    expect(outcome.stderr).toContain('  provider: not planned: the file\'s provider is aptible');
    expect(outcome.stderr).not.toContain('token-that-must-stay-home');
    expect(connections).toBe(0);
  });

  it('refuses what is not a commit, and apply, in one line', async () => {
    expectOneLineError(await dbfence(['lint', '--policies-from', 'no-such-branch'], { cwd: repo }), /--policies-from: no-such-branch is not a commit of this repository/);
    expectOneLineError(await dbfence(['lint', '--policies-from', '--help'], { cwd: repo }), /is not a git ref|--policies-from/);
    expectOneLineError(await dbfence(['apply', '--yes', '--policies-from', 'main'], { cwd: repo }), /--policies-from is an option of lint and plan/);
  });

  it('names a broken policy at REF as REF:path', async () => {
    git('checkout', '-q', 'main');
    writeFileSync(join(repo, 'policies', 'broken.yaml'), 'kind: pack\nrules:\n  no-such-rule: off\n');
    git('add', '.');
    git('commit', '-q', '-m', 'broken');
    git('checkout', '-q', 'change');
    expectOneLineError(await dbfence(['lint', '--policies-from', 'main'], { cwd: repo }), /^dbfence: main:policies\/broken\.yaml: broken policy: rules\.no-such-rule/);
  });
});
