import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/pg-server.js';
import { enableTls, seedOrders } from '../providers/postgres/fixtures.js';
import { dbfence, expectOneLineError } from './helpers.js';

const NAMES = ['metabase', 'fivetran', 'hex'];

const fileFor = (names: string[]) => `version: 1
provider:
  kind: postgres
  adminUrl: { fromEnv: DBFENCE_PG_ADMIN_URL }
databases:
  - name: orders
    engine: postgresql
    endpoints:
      - name: orders-public
        exposure: public
        allow:
          - cidr: 52.20.10.10/32
    integrations:
${names.map((name) => `      - name: ${name}
        owner: data@example.com
        user: ${name}_ro
        endpoint: orders-public
        from: [52.20.10.10/32]
        grants:
          - { table: public.orders, privileges: [SELECT] }
        tls: { verify: full }
        keepalive: 5m
        credentials:
          password: { fromEnv: DB_PASSWORD }
`).join('')}`;
const FILE = fileFor(NAMES);

/** util-linux `script` runs a command on a pseudo-terminal: stdout and stderr are a TTY there. */
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((path) => existsSync(path));

describe('plan -o and apply progress, as processes, on a real server', () => {
  let server: TestServer;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer();
    await seedOrders(server);
    await enableTls(server);
    dir = mkdtempSync(join(tmpdir(), 'dbfence-cli-progress-'));
    writeFileSync(join(dir, 'endpoints.yaml'), FILE);
    env = { DBFENCE_PG_ADMIN_URL: server.adminUrl, DB_PASSWORD: 'progress-secret-value-9c2e' };
  });
  afterAll(async () => server?.stop());

  const run = (args: string[]) => dbfence(args, { cwd: dir, env });

  it('plan -o writes the plan to the file, with a one-line summary on stderr, and refuses a file it reads', async () => {
    const planned = await run(['plan', '-o', 'reports/plan.json', '-f', 'json']);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toBe('');
    const report = JSON.parse(readFileSync(join(dir, 'reports/plan.json'), 'utf8'));
    expect(report.plan.changes.length).toBeGreaterThan(NAMES.length);
    expect(planned.stderr).toBe(`dbfence: ${report.plan.changes.length} changes; json plan written to reports/plan.json\n`);

    expectOneLineError(await run(['plan', '-o', 'endpoints.yaml']), /--output endpoints\.yaml is endpoints\.yaml, a file this run reads/);
    symlinkSync(join(dir, 'endpoints.yaml'), join(dir, 'link.txt'));
    expectOneLineError(await run(['plan', '-o', 'link.txt']), /--output link\.txt is endpoints\.yaml, a file this run reads/);
    expect(readFileSync(join(dir, 'endpoints.yaml'), 'utf8')).toBe(FILE);
  });

  it('apply off a terminal prints one plain line per outcome on stderr, then the report on stdout', async () => {
    const plan = JSON.parse((await run(['plan', '-f', 'json'])).stdout);
    const addresses: string[] = plan.plan.changes.map((change: { address: string }) => change.address);
    const applied = await run(['apply', '--yes']);
    expect(applied.code).toBe(0);
    const outcomeLines = applied.stderr.split('\n').filter((line) => line.startsWith('✔ applied'));
    expect(outcomeLines.map((line) => line.replace(/^✔ applied\s+/, '')).sort()).toEqual([...addresses].sort());
    expect(applied.stderr).not.toContain('\r');
    expect(applied.stdout).toContain('Apply complete.');
    expect(applied.stdout + applied.stderr).not.toContain(env.DB_PASSWORD);
  });

  it.skipIf(!SCRIPT)('apply on a terminal keeps one updating progress line and clears it before the report', async () => {
    writeFileSync(join(dir, 'more.yaml'), fileFor([...NAMES, 'looker', 'mode']));
    const bin = fileURLToPath(new URL('../../bin/dbfence.js', import.meta.url));
    const screen = await new Promise<string>((resolve, reject) => {
      const child = execFile(SCRIPT!, ['-qec', `"${process.execPath}" "${bin}" apply more.yaml --yes`, '/dev/null'],
        { cwd: dir, env: { ...process.env, ...env, NO_COLOR: '1' }, encoding: 'utf8' },
        (error, stdout) => (error ? reject(error) : resolve(stdout)));
      child.stdin?.end();
    });
    const total = Number(/applying 0\/(\d+)/.exec(screen)?.[1]);
    expect(total).toBeGreaterThanOrEqual(2);
    expect(screen).toContain(`\r\u001b[2Kapplying ${total}/${total}`);
    expect(screen).toMatch(/awaiting commit/);
    // The line is cleared before the report, which lists each outcome once.
    expect(screen).toMatch(/\r\u001b\[2K[^]*Apply complete\./);
    expect(screen.match(/✔ applied\s+postgres\.role\.looker_ro/g)).toHaveLength(1);
  });

  it('apply has no -o: that is a plan option', async () => {
    expectOneLineError(await run(['apply', '--yes', '-o', 'x.txt']), /--output is an option of plan, not apply/);
  });
});
