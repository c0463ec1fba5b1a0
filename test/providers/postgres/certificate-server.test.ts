import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { caCertCommand } from '../../../src/cli/commands/ca.js';
import { ToolError } from '../../../src/errors.js';
import type { EndpointsConfig } from '../../../src/model/config.js';
import {
  applyCertificate, type CertificateLive, diffCertificate, inspectCertificate,
} from '../../../src/edges/pg-hba/certificate.js';
import { createCa } from '../../../src/tls/ca.js';
import { fetchServedCertificate } from '../../../src/tls/served-certificate.js';
import * as issuing from '../../../src/tls/server-certificate.js';
import { serverKinds, startTestServer, type TestServer } from '../../helpers/pg-server.js';

// A server on another machine: this process cannot see its data directory.
const machine = vi.hoisted(() => ({ remote: false }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const readFileSync = ((path: Parameters<typeof real.readFileSync>[0], ...rest: unknown[]) => {
    if (machine.remote && String(path).endsWith('postmaster.pid')) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return (real.readFileSync as (...args: unknown[]) => unknown)(path, ...rest);
  }) as typeof real.readFileSync;
  return { ...real, readFileSync };
});
vi.mock('../../../src/tls/server-certificate.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/tls/server-certificate.js')>();
  return { ...real, issueServerCertificate: vi.fn(real.issueServerCertificate) };
});

const HOSTNAMES = ['localhost', 'orders.db.example.test'];

describe.each(serverKinds())('PostgreSQL %s', (kind) => {
  let server: TestServer;
  let admin: pg.Client;
  let endpoint: { host: string; port: number };
  let workDir: string;
  const ca = createCa({ commonName: 'dbfence test CA', validityDays: 365 });

  function config(options: { hostnames?: string[]; validity?: string; renewBefore?: string; minVersion?: '1.2' | '1.3' } = {}): EndpointsConfig {
    return {
      version: 1,
      provider: {
        kind: 'postgres',
        adminUrl: { fromEnv: 'DBFENCE_PG_ADMIN_URL' },
        ca: { certificate: { fromFile: 'ca.crt' }, key: { fromEnv: 'DBFENCE_TEST_CA_KEY' } },
      },
      defaults: { certificates: { validity: options.validity ?? '90d', renewBefore: options.renewBefore ?? '30d' } },
      databases: [{
        name: 'orders',
        engine: 'postgresql',
        endpoints: (options.hostnames ?? HOSTNAMES).map((hostname, i) => ({
          name: `orders-${i}`, exposure: 'public' as const, hostname, port: endpoint.port, allow: [{ cidr: '52.20.10.10/32' }],
          ...(options.minVersion ? { tls: { minVersion: options.minVersion } } : {}),
        })),
      }],
    };
  }

  /** A client of an integration: full verification against the CA that `dbfence ca-cert` prints. */
  async function connectAsIntegration(options: { connectionString?: string; servername?: string; maxVersion?: 'TLSv1.2' }): Promise<pg.Client> {
    const client = new pg.Client(options.connectionString
      ? { connectionString: options.connectionString }
      : {
          connectionString: server.adminUrl.replace(/\?.*$/, ''),
          ssl: { ca: await caCertFromCli(), servername: options.servername, rejectUnauthorized: true, ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}) },
        });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    return client;
  }

  async function caCertFromCli(): Promise<string> {
    const result = await caCertCommand([join(workDir, 'endpoints.yaml')]);
    expect(result.exitCode).toBe(0);
    return result.stdout!;
  }

  async function usesTls(client: pg.Client): Promise<boolean> {
    const { rows } = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return rows[0]!.ssl;
  }

  async function startedAt(): Promise<string> {
    const { rows } = await admin.query<{ t: string }>('SELECT pg_postmaster_start_time()::text AS t');
    return rows[0]!.t;
  }

  async function inspect(): Promise<CertificateLive> {
    return inspectCertificate(admin, endpoint, ca);
  }

  beforeAll(async () => {
    server = await startTestServer(kind);
    admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    endpoint = { host: '127.0.0.1', port: server.port };
    workDir = mkdtempSync(join(tmpdir(), 'dbfence-ca-'));
    writeFileSync(join(workDir, 'ca.crt'), ca.certificatePem);
    writeFileSync(join(workDir, 'endpoints.yaml'), `version: 1
provider:
  kind: postgres
  adminUrl: { fromEnv: DBFENCE_PG_ADMIN_URL }
  ca:
    certificate: { fromFile: ca.crt }
    key: { fromEnv: DBFENCE_TEST_CA_KEY }
databases:
  - name: orders
    engine: postgresql
`);
  });

  afterAll(async () => {
    await admin?.end();
    await server?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  describe('the server certificate on a real PostgreSQL', () => {
    let firstSerial: string;

    it('enables TLS without a restart, and an integration verifying fully connects', async () => {
      const started = await startedAt();
      await applyCertificate(admin, config({ validity: '40d' }), ca, endpoint);
      expect(await startedAt()).toBe(started);

      const live = await inspect();
      expect(live.served?.names).toEqual(HOSTNAMES);
      expect(live.servedByCa).toBe(true);
      expect(live.keyMatches).toBe(true);
      expect(live.onDisk?.serial).toBe(live.served?.serial);
      expect(live.minProtocol).toBe('TLSv1.2');
      expect(diffCertificate(config({ validity: '40d' }), live, new Date())).toEqual([]);
      firstSerial = live.served!.serial;

      // PostgreSQL refuses a key anyone else can read; so must dbfence.
      const key = statSync(live.keyFile);
      expect(key.mode & 0o777).toBe(0o600);
      expect(key.uid).toBe(statSync(server.dataDir).uid);

      const caFile = join(workDir, 'from-ca-cert.crt');
      writeFileSync(caFile, await caCertFromCli());
      const url = new URL(server.adminUrl);
      url.hostname = 'localhost';
      url.search = `?sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`;
      const integration = await connectAsIntegration({ connectionString: url.toString() });
      expect(await usesTls(integration)).toBe(true);
      await integration.end();

      const byName = await connectAsIntegration({ servername: 'orders.db.example.test' });
      expect(await usesTls(byName)).toBe(true);
      await byName.end();
    });

    it('refuses a client that expects another hostname', async () => {
      await expect(connectAsIntegration({ servername: 'billing.db.example.test' })).rejects.toThrow(/Hostname\/IP does not match certificate's altnames/);
      // Connecting by IP, which the certificate does not name, is refused under verify-full as well.
      const url = new URL(server.adminUrl);
      url.search = `?sslmode=verify-full&sslrootcert=${encodeURIComponent(join(workDir, 'ca.crt'))}`;
      await expect(connectAsIntegration({ connectionString: url.toString() })).rejects.toThrow(/does not match certificate's altnames/);
    });

    it('replaces a certificate close to expiry and serves the new serial without a restart', async () => {
      const started = await startedAt();
      const nearExpiry = config({ validity: '90d', renewBefore: '45d' });
      expect(diffCertificate(nearExpiry, await inspect(), new Date())[0]).toMatchObject({
        action: 'replace', reason: expect.stringMatching(/expires on .*, within renewBefore \(45d\)$/),
      });
      const before = await connectAsIntegration({ servername: 'orders.db.example.test' });

      await applyCertificate(admin, nearExpiry, ca, endpoint);

      const live = await inspect();
      expect(live.served?.serial).not.toBe(firstSerial);
      expect(live.served!.notAfter.getTime() - Date.now()).toBeGreaterThan(89 * 86_400_000);
      expect(diffCertificate(nearExpiry, live, new Date())).toEqual([]);
      expect(await startedAt()).toBe(started);
      // A session opened before the rotation keeps working.
      expect(await usesTls(before)).toBe(true);
      await before.end();
      firstSerial = live.served!.serial;
    });

    it('replaces a certificate that misses a new hostname', async () => {
      const withNew = config({ hostnames: [...HOSTNAMES, 'reports.db.example.test'] });
      expect(diffCertificate(withNew, await inspect(), new Date())[0]?.reason).toBe('the served certificate does not name reports.db.example.test');

      await applyCertificate(admin, withNew, ca, endpoint);

      const live = await inspect();
      expect(live.served?.serial).not.toBe(firstSerial);
      expect(live.served?.names).toEqual([...HOSTNAMES, 'reports.db.example.test']);
      const client = await connectAsIntegration({ servername: 'reports.db.example.test' });
      await client.end();
      firstSerial = live.served!.serial;
    });

    it('rolls a certificate the server cannot load back, and the old one is still served', async () => {
      const current = config({ hostnames: [...HOSTNAMES, 'reports.db.example.test'] });
      const broken = config({ hostnames: [...HOSTNAMES, 'reports.db.example.test', 'billing.db.example.test'] });
      const issue = vi.mocked(issuing.issueServerCertificate);
      const { issueServerCertificate: realIssue } = await vi.importActual<typeof issuing>('../../../src/tls/server-certificate.js');
      // A certificate with somebody else's key: PostgreSQL refuses to load the pair.
      issue.mockImplementationOnce((request) => ({ ...realIssue(request), keyPem: realIssue(request).keyPem }));

      const error = await applyCertificate(admin, broken, ca, endpoint).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ToolError);
      expect((error as Error).message).toMatch(
        new RegExp(`^the server did not load the new certificate \\(serial [0-9A-F]+\\): it still serves serial ${firstSerial}; .*; the previous files and settings were restored and serial ${firstSerial} is still served$`),
      );

      const live = await inspect();
      expect(live.served?.serial).toBe(firstSerial);
      expect(live.onDisk?.serial).toBe(firstSerial);
      expect(live.keyMatches).toBe(true);
      expect(diffCertificate(current, live, new Date())).toEqual([]);
      const client = await connectAsIntegration({ servername: 'reports.db.example.test' });
      await client.end();
    });

    /** Applies as if the server were on another machine: this process cannot see the key file's mode. */
    async function applyFromElsewhere(hostnames: string[]): Promise<CertificateLive> {
      machine.remote = true;
      try {
        await applyCertificate(admin, config({ hostnames }), ca, endpoint);
      } finally {
        machine.remote = false;
      }
      const live = await inspect();
      const key = statSync(live.keyFile);
      expect(key.mode & 0o777).toBe(0o600);
      expect(key.uid).toBe(statSync(server.dataDir).uid);
      expect(readdirSync(server.dataDir).filter((name) => name.startsWith('dbfence-server.key'))).toEqual(['dbfence-server.key']);
      return live;
    }

    it('rotates over SQL alone when the server is elsewhere, never into a key file others can read', async () => {
      // Someone loosened the key file: writing the new key into it in place would publish it.
      chmodSync(join(server.dataDir, 'dbfence-server.key'), 0o644);
      const live = await applyFromElsewhere(['localhost', 'orders.db.example.test', 'billing.db.example.test']);
      expect(live.served?.serial).not.toBe(firstSerial);
      expect(live.served?.names).toContain('billing.db.example.test');
      expect(live.keyMatches).toBe(true);
      firstSerial = live.served!.serial;
    });

    it('creates a missing key file over SQL when the server is elsewhere, readable by the server alone', async () => {
      rmSync(join(server.dataDir, 'dbfence-server.key'));
      const live = await applyFromElsewhere(['localhost', 'orders.db.example.test', 'billing.db.example.test']);
      expect(live.served?.serial).not.toBe(firstSerial);
      expect(live.keyMatches).toBe(true);
      firstSerial = live.served!.serial;
    });

    it('raises the protocol floor without a new certificate', async () => {
      const strict = config({ hostnames: ['localhost', 'orders.db.example.test', 'billing.db.example.test'], minVersion: '1.3' });
      expect(diffCertificate(strict, await inspect(), new Date())[0]?.action).toBe('update');

      await applyCertificate(admin, strict, ca, endpoint);

      const live = await inspect();
      expect(live.minProtocol).toBe('TLSv1.3');
      expect(live.served?.serial).toBe(firstSerial);
      expect((await fetchServedCertificate(endpoint.host, endpoint.port))?.protocol).toBe('TLSv1.3');
      await expect(connectAsIntegration({ servername: 'orders.db.example.test', maxVersion: 'TLSv1.2' })).rejects.toThrow(/protocol version|alert/i);
    });
  });
});
