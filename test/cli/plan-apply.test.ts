import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/pg-server.js';
import { enableTls, seedOrders } from '../providers/postgres/fixtures.js';
import { dbfence, expectOneLineError } from './helpers.js';

const PASSWORD = 'metabase-secret-value-4d1f';

function endpointsYaml(integrations: string[]): string {
  return `version: 1
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
        allow:
          - cidr: 52.20.10.10/32
${integrations.map((name) => `    integrations:
      - name: ${name}
        owner: data@example.com
        user: ${name}_ro
        endpoint: orders-public
        from: [52.20.10.10/32]
        grants:
          - { table: public.orders, privileges: [SELECT] }
        tls: { verify: full }
        keepalive: 5m
        credentials:
          password: { fromEnv: METABASE_PASSWORD }
`).join('')}${integrations.length === 0 ? '    integrations: []\n' : ''}`;
}

/** util-linux `script` runs a command on a pseudo-terminal: stdout and stderr are a TTY there. */
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((path) => existsSync(path));

describe('dbfence plan and apply, as processes, on a real server', () => {
  let server: TestServer;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer();
    await seedOrders(server);
    await enableTls(server);
    dir = mkdtempSync(join(tmpdir(), 'dbfence-cli-plan-'));
    writeFileSync(join(dir, 'endpoints.yaml'), endpointsYaml(['metabase']));
    writeFileSync(join(dir, 'removed.yaml'), endpointsYaml([]));
    env = { DBFENCE_PG_ADMIN_URL: server.adminUrl, METABASE_PASSWORD: PASSWORD };
  });
  afterAll(async () => server?.stop());

  const run = (args: string[], extra: Record<string, string> = {}) => dbfence(args, { cwd: dir, env: { ...env, ...extra } });

  it('plans, applies, and then has nothing left to do, with the exit codes of the docs', async () => {
    const pending = await run(['plan', '--detailed-exitcode']);
    expect(pending.code).toBe(3);
    expect(pending.stdout).toMatch(/Plan \(postgres\): \d+ to create/);
    expect(pending.stdout).toContain('postgres.role.metabase_ro');

    expectOneLineError(await run(['apply']), /apply needs --yes when it is not run from a terminal/);

    const applied = await run(['apply', '--yes']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Apply complete.');

    const clean = await run(['plan', '--detailed-exitcode', '-f', 'json']);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ plan: { changes: [], summary: { create: 0, update: 0, delete: 0, replace: 0 } }, blocked: null });

    for (const outcome of [pending, applied, clean]) expect(outcome.stdout + outcome.stderr).not.toContain(PASSWORD);
  });

  it('blocks an unacknowledged destructive change with exit 1, and applies it when acknowledged', async () => {
    const blocked = await run(['plan', 'removed.yaml']);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toMatch(/destructive-change/);
    expect((await run(['apply', 'removed.yaml', '--yes'])).code).toBe(1);
    const dropped = await run(['apply', 'removed.yaml', '--yes', '--allow-destructive']);
    expect(dropped.code).toBe(0);
    expect((await run(['plan', 'removed.yaml', '--detailed-exitcode'])).code).toBe(0);
  });

  it('stops with one line and exit 2 when a secret is missing or the server is unreachable', async () => {
    expectOneLineError(await run(['plan'], { METABASE_PASSWORD: '' }), /METABASE_PASSWORD is not set/);
    expectOneLineError(await run(['plan'], { DBFENCE_PG_ADMIN_URL: 'postgres://dbfence:x@127.0.0.1:1/postgres' }), /cannot connect to 127\.0\.0\.1:1/);
  });

  it('plan -o writes the plan to the file, with a one-line summary on stderr, and refuses a file it reads', async () => {
    const planned = await run(['plan', '-o', 'reports/plan.json', '-f', 'json']);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toBe('');
    const report = JSON.parse(readFileSync(join(dir, 'reports/plan.json'), 'utf8'));
    expect(report.plan.changes.length).toBeGreaterThan(1);
    // Each change carries what apply will do; a password is its reference, never its value.
    expect(report.plan.changes.find((change: { address: string }) => change.address === 'postgres.role.metabase_ro')).toMatchObject({
      operation: { kind: 'create-role', user: 'metabase_ro', password: { ref: { fromEnv: 'METABASE_PASSWORD' } } },
    });
    for (const change of report.plan.changes) expect(typeof change.operation.kind).toBe('string');
    expect(readFileSync(join(dir, 'reports/plan.json'), 'utf8')).not.toContain(PASSWORD);
    expect(planned.stderr).toBe(`dbfence: ${report.plan.changes.length} changes; json plan written to reports/plan.json\n`);

    const file = readFileSync(join(dir, 'endpoints.yaml'), 'utf8');
    expectOneLineError(await run(['plan', '-o', 'endpoints.yaml']), /--output endpoints\.yaml is endpoints\.yaml, a file this run reads/);
    symlinkSync(join(dir, 'endpoints.yaml'), join(dir, 'link.txt'));
    expectOneLineError(await run(['plan', '-o', 'link.txt']), /--output link\.txt is endpoints\.yaml, a file this run reads/);
    expect(readFileSync(join(dir, 'endpoints.yaml'), 'utf8')).toBe(file);
    expectOneLineError(await run(['apply', '--yes', '-o', 'x.txt']), /--output is an option of plan, not apply/);
  });

  it('apply --plan FILE applies exactly the saved plan, and refuses one the live state has moved away from', async () => {
    expect((await run(['plan', '-f', 'json', '-o', 'saved.json'])).code).toBe(0);
    const applied = await run(['apply', '--plan', 'saved.json', '--yes']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Apply complete.');

    // Applied already: the saved plan no longer holds, and nothing runs.
    const stale = await run(['apply', '--plan', 'saved.json', '--yes']);
    expectOneLineError(stale, /^dbfence: apply refused: the live state changed since the plan was made \(postgres\.role\.metabase_ro is no longer needed; .*\); nothing was applied: plan again and review it\n$/);

    writeFileSync(join(dir, 'not-a-plan.json'), '{"findings": []}');
    expectOneLineError(await run(['apply', '--plan', 'not-a-plan.json', '--yes']), /not-a-plan\.json is not a saved plan: it has no list of changes/);
    expectOneLineError(await run(['plan', '--plan', 'saved.json']), /--plan is an option of apply/);
    // Back to where the next case starts: no role yet.
    expect((await run(['apply', 'removed.yaml', '--yes', '--allow-destructive'])).code).toBe(0);
  });

  it('apply off a terminal prints one plain line per outcome on stderr as it goes, then the report on stdout', async () => {
    const plan = JSON.parse((await run(['plan', '-f', 'json'])).stdout);
    const addresses: string[] = plan.plan.changes.map((change: { address: string }) => change.address);
    expect(addresses.length).toBeGreaterThan(1);
    const applied = await run(['apply', '--yes']);
    expect(applied.code).toBe(0);
    const outcomeLines = applied.stderr.split('\n').filter((line) => line.startsWith('✔ applied'));
    expect(outcomeLines.map((line) => line.replace(/^✔ applied\s+/, '')).sort()).toEqual([...addresses].sort());
    expect(applied.stderr).not.toContain('\r');
    expect(applied.stdout).toContain('Apply complete.');
    expect(applied.stdout + applied.stderr).not.toContain(PASSWORD);
  });

  it.skipIf(!SCRIPT)('apply on a terminal keeps one updating progress line and clears it before the report', async () => {
    // metabase as before, and a new integration: two more roles to create.
    writeFileSync(join(dir, 'more.yaml'), endpointsYaml(['metabase']) + endpointsYaml(['looker']).split('    integrations:\n')[1]);
    const bin = fileURLToPath(new URL('../../bin/dbfence.js', import.meta.url));
    const screen = await new Promise<string>((resolve, reject) => {
      const child = execFile(SCRIPT!, ['-qec', `"${process.execPath}" "${bin}" apply more.yaml --yes`, '/dev/null'],
        { cwd: dir, env: { ...process.env, ...env, NO_COLOR: '1' }, encoding: 'utf8' },
        (error, stdout) => (error ? reject(new Error(`${error.message}\n${stdout}`)) : resolve(stdout)));
      child.stdin?.end();
    });
    const total = Number(/applying 0\/(\d+)/.exec(screen)?.[1]);
    expect(total).toBeGreaterThanOrEqual(2);
    expect(screen).toMatch(/awaiting commit/);
    expect(screen).toContain(`\r\u001b[2Kapplying ${total}/${total}`);
    // The line is cleared before the report, which lists each outcome once.
    expect(screen).toMatch(/\r\u001b\[2K[^]*Apply complete\./);
    expect(screen.match(/✔ applied\s+postgres\.role\.looker_ro/g)).toHaveLength(1);
  });
});
