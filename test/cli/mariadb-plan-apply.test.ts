import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MariadbTestServer } from '../helpers/mariadb-server.js';
import { newCa, startOrdersServer } from '../providers/mariadb/fixtures.js';
import { dbfence } from './helpers.js';

const PASSWORD = 'metabase-mariadb-secret-7e2a';

describe('dbfence plan and apply on a self-managed MariaDB, as processes', () => {
  const ca = newCa();
  let server: MariadbTestServer;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    const started = await startOrdersServer(ca);
    server = started.server;
    dir = mkdtempSync(join(tmpdir(), 'dbfence-cli-mariadb-'));
    writeFileSync(join(dir, 'ca.crt'), ca.certificatePem);
    writeFileSync(join(dir, 'endpoints.yaml'), `version: 1
provider:
  kind: mariadb
  adminUrl: { fromEnv: DBFENCE_MARIADB_ADMIN_URL }
  ca:
    certificate: { fromFile: ca.crt }
    key: { fromEnv: DBFENCE_CA_KEY }
  serverCertificate:
    certFile: ${started.files.certFile}
    keyFile: ${started.files.keyFile}
databases:
  - name: orders
    engine: mariadb
    sensitive: [orders.users]
    endpoints:
      - name: orders-public
        exposure: public
        hostname: orders.db.test
        allow:
          - cidr: 127.0.0.1/32
    integrations:
      - name: metabase
        owner: data@example.com
        user: metabase_ro
        endpoint: orders-public
        from: [127.0.0.1/32]
        grants:
          - { table: orders.orders, privileges: [SELECT] }
        tls: { verify: full }
        keepalive: 5m
        credentials:
          password: { fromEnv: METABASE_PASSWORD }
`);
    env = { DBFENCE_MARIADB_ADMIN_URL: server.adminUrl, DBFENCE_CA_KEY: ca.keyPem, METABASE_PASSWORD: PASSWORD };
  }, 60_000);
  afterAll(async () => server?.stop());

  const run = (args: string[]) => dbfence(args, { cwd: dir, env });

  it('plans the certificate and the accounts, applies them, then has nothing left to do; ca-cert prints the CA; no secret in any output', async () => {
    const pending = await run(['plan', '--detailed-exitcode']);
    expect(pending.code).toBe(3);
    expect(pending.stdout).toMatch(/Plan \(mariadb\): /);
    expect(pending.stdout).toContain('mariadb.certificate.server');
    expect(pending.stdout).toContain("mariadb.account.metabase_ro@127.0.0.1");
    expect(pending.stdout).toContain('plaintext-logins');

    const applied = await run(['apply', '--yes']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Apply complete.');

    const clean = await run(['plan', '--detailed-exitcode', '-f', 'json']);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ plan: { changes: [] }, blocked: null });

    const caCert = await run(['ca-cert']);
    expect(caCert).toMatchObject({ code: 0, stdout: ca.certificatePem });

    const adminPassword = new URL(server.adminUrl).password;
    for (const outcome of [pending, applied, clean]) {
      const text = outcome.stdout + outcome.stderr;
      for (const secret of [PASSWORD, adminPassword, ca.keyPem.split('\n')[1]!]) expect(text).not.toContain(secret);
    }
  });
});
