import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import type { EndpointsConfig } from '../../../src/model/config.js';
import { parseAdminUrl } from '../../../src/engines/postgresql/admin-url.js';
import { Session } from '../../../src/engines/postgresql/connect.js';
import { envSecretResolver } from '../../../src/providers/secrets.js';
import { createCa } from '../../../src/tls/ca.js';
import { startTestServer, type TestServer } from '../../helpers/pg-server.js';
import { ADMIN_ENV, applyOnce, connect, hbaText, integration, ordersConfig, providerFor, seedOrders, withAdmin } from './fixtures.js';

/** A file with no database: reading the live state still connects, checks the admin and reads the catalogs. */
const EMPTY: EndpointsConfig = { version: 1, provider: { kind: 'postgres', adminUrl: { fromEnv: ADMIN_ENV } }, databases: [] };

async function planError(adminUrl: string, config: EndpointsConfig = EMPTY): Promise<Error> {
  const error = await providerFor(config, { [ADMIN_ENV]: adminUrl }).inspect([config]).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ToolError);
  return error as Error;
}

describe('the admin URL', () => {
  it('refuses a "#" without echoing any part of the password around it', async () => {
    const error = await planError('postgres://postgres:12345#678@127.0.0.1:5432/postgres?sslmode=disable');
    expect(error.message).toBe('provider.adminUrl is not a valid postgres:// connection URL: it contains "#", which ends a URL; percent-encode it as %23 (in a password, for example)');
    expect(error.message).not.toMatch(/12345|678/);
    // Percent-encoded, the same password is fine.
    expect(parseAdminUrl('postgres://postgres:12345%23678@127.0.0.1/postgres?sslmode=disable').password).toBe('12345#678');
  });

  it('refuses a password whose unencoded "/" or "?" would make it read as a host and port', async () => {
    for (const password of ['12/34', '12?34']) {
      const error = await planError(`postgres://postgres:${password}@127.0.0.1:5432/postgres?sslmode=disable`);
      expect(error.message).toBe('provider.adminUrl is not a valid postgres:// connection URL: an "@" follows the host; percent-encode "/", "?", "#" and "@" in the user name and password (%2F, %3F, %23, %40)');
    }
  });

  it('never echoes a malformed URL', async () => {
    for (const url of ['postgres://postgres:s3cret@[bad/postgres', 'mysql://postgres:s3cret@127.0.0.1/postgres', 'postgres://postgres:s3cret%zz@127.0.0.1/postgres']) {
      const error = await planError(url);
      expect(error.message).toMatch(/^provider\.adminUrl is not a valid postgres:\/\/ connection URL/);
      expect(error.message).not.toContain('s3cret');
    }
  });

  it('accepts plain connections only when sslmode=disable names a loopback address or a Unix socket', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '[::1]', 'localhost']) {
      expect(parseAdminUrl(`postgres://postgres:pw@${host}:5432/postgres?sslmode=disable`).ssl).toBe(false);
    }
    expect(parseAdminUrl('postgres:///postgres?host=/var/run/postgresql&user=postgres&sslmode=disable')).toMatchObject({ host: '/var/run/postgresql', ssl: false });
    expect(parseAdminUrl('postgresql://postgres@%2Fvar%2Frun%2Fpostgresql/postgres?sslmode=disable')).toMatchObject({ host: '/var/run/postgresql', ssl: false });
    expect(() => parseAdminUrl('postgresql://postgres@%2Fvar%2Frun%2Fpostgresql/postgres')).toThrow('a Unix socket (/var/run/postgresql) carries no TLS; say sslmode=disable');
    expect(() => parseAdminUrl('postgres://postgres:pw@db.example.com/postgres?sslmode=disable')).toThrow(new ToolError(
      "provider.adminUrl: sslmode=disable is accepted only for a loopback address or a Unix socket, not db.example.com: over a network the superuser password and the server's new private key need verified TLS (sslmode=verify-full)",
    ));
    expect(() => parseAdminUrl('postgres://postgres:pw@10.0.0.5/postgres?sslmode=disable')).toThrow(/not 10\.0\.0\.5/);
  });

  it('needs sslmode=verify-full for anything else, and is verify-full when the URL says nothing', () => {
    expect(parseAdminUrl('postgres://postgres:pw@db.example.com/postgres').ssl).toEqual({ rejectUnauthorized: true });
    for (const [mode, why] of [['prefer', 'falls back to a plain connection'], ['allow', 'falls back to a plain connection'],
      ['require', "does not check the server's host name"], ['verify-ca', "does not check the server's host name"], ['no-verify', 'is not an sslmode']]) {
      expect(() => parseAdminUrl(`postgres://postgres:pw@db.example.com/postgres?sslmode=${mode}`)).toThrow(new ToolError(
        `provider.adminUrl: sslmode=${mode} ${why}; dbfence needs sslmode=verify-full (or sslmode=disable to a loopback address or a Unix socket)`,
      ));
    }
  });

  it('names the sslrootcert file that is missing', async () => {
    const error = await planError('postgres://postgres:pw@db.example.com/postgres?sslmode=verify-full&sslrootcert=/nonexistent/dbfence/ca.crt');
    expect(error.message).toBe('provider.adminUrl: the sslrootcert file /nonexistent/dbfence/ca.crt does not exist');
  });

  it('refuses a parameter it does not know, and bad timeouts', () => {
    expect(() => parseAdminUrl('postgres://postgres:pw@127.0.0.1/postgres?sslmode=disable&target_session_attrs=any')).toThrow(
      new ToolError('provider.adminUrl is not a valid postgres:// connection URL: dbfence does not know the parameter "target_session_attrs"'),
    );
    expect(() => parseAdminUrl('postgres://postgres:pw@127.0.0.1/postgres?sslmode=disable&options=-c%20statement_timeout%3Dsoon')).toThrow(
      'provider.adminUrl: statement_timeout in options is not a time such as 30s or 2min',
    );
  });

  it('bounds every wait by default, and takes the bounds of the URL options', () => {
    expect(parseAdminUrl('postgres://postgres:pw@127.0.0.1/postgres?sslmode=disable')).toMatchObject({
      timeouts: { connectMs: 10_000, statementMs: 120_000, lockMs: 60_000, idleInTransactionMs: 120_000 }, queryTimeoutMs: 150_000,
    });
    const url = 'postgres://postgres:pw@127.0.0.1/postgres?sslmode=disable&connect_timeout=3'
      + `&options=${encodeURIComponent('-c statement_timeout=1.5s --lock_timeout=250ms -c idle_in_transaction_session_timeout=1min')}`;
    expect(parseAdminUrl(url)).toMatchObject({
      timeouts: { connectMs: 3000, statementMs: 1500, lockMs: 250, idleInTransactionMs: 60_000 }, queryTimeoutMs: 3000,
    });
  });
});

/** A loopback server that speaks just enough of the protocol: it admits the login, then never answers. */
async function silentServer(options: { tls: 'refuse' | 'ignore' }): Promise<{ port: number; closed: Promise<void>; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => { markClosed = resolve; });
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => markClosed());
    socket.once('data', (first) => {
      // SSLRequest: 8 bytes, code 80877103.
      if (first.length === 8 && first.readInt32BE(4) === 80877103) {
        socket.write('N');
        if (options.tls === 'refuse') return;
      }
      const authenticationOk = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]);
      const readyForQuery = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);
      socket.write(Buffer.concat([authenticationOk, readyForQuery]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    closed,
    stop: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

describe('a server that stops answering', () => {
  it('ends plan after the client timeout with one line naming the database and the wait, and drops the connection', async () => {
    const silent = await silentServer({ tls: 'ignore' });
    try {
      const options = encodeURIComponent('-c statement_timeout=1s');
      const error = await planError(`postgres://postgres:pw@127.0.0.1:${silent.port}/postgres?sslmode=disable&options=${options}`);
      expect(error.message).toBe('postgres: reading the live state failed: database postgres did not answer within 2 s; dbfence dropped the connection');
      await silent.closed;
    } finally {
      await silent.stop();
    }
  });

  it('is refused when it offers no TLS and the URL does not say sslmode=disable', async () => {
    const silent = await silentServer({ tls: 'refuse' });
    try {
      const error = await planError(`postgres://postgres:pw@127.0.0.1:${silent.port}/postgres`);
      expect(error.message).toBe(`postgres: cannot connect to 127.0.0.1:${silent.port} (database postgres) as postgres: The server does not support SSL connections`);
    } finally {
      await silent.stop();
    }
  });
});

describe('the admin connection on a real server with TLS', () => {
  const ca = createCa({ commonName: 'dbfence admin test CA', validityDays: 30 });
  const otherCa = createCa({ commonName: 'somebody else', validityDays: 30 });
  let server: TestServer;
  let dir: string;
  let env: Record<string, string>;
  const config = ordersConfig([integration('metabase', 'metabase_ro'), integration('zeta', 'zeta_ro')]);

  /** The admin URL over verified TLS: `host` is what the certificate must name. */
  function verifiedUrl(host: string, rootCert = join(dir, 'ca.crt'), options?: string): string {
    const url = new URL(server.adminUrl);
    url.hostname = host;
    url.search = `?sslmode=verify-full&sslrootcert=${encodeURIComponent(rootCert)}${options ? `&options=${encodeURIComponent(options)}` : ''}`;
    return url.toString();
  }

  async function advisoryLocks(): Promise<number> {
    return withAdmin(server, async (client) => (await client.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'")).rows[0].n as number);
  }

  /** Runs `use` while another session holds, uncommitted, the role the apply is about to create. */
  async function whileRoleIsLocked<T>(use: () => Promise<T>): Promise<T> {
    const holder = await connect(server.adminUrl);
    try {
      await holder.query('BEGIN');
      await holder.query('CREATE ROLE zeta_ro');
      return await use();
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  }

  beforeAll(async () => {
    server = await startTestServer('embedded 18', { tls: { ca, hostnames: ['localhost'] } });
    await seedOrders(server);
    dir = mkdtempSync(join(tmpdir(), 'dbfence-admin-tls-'));
    writeFileSync(join(dir, 'ca.crt'), ca.certificatePem);
    writeFileSync(join(dir, 'other-ca.crt'), otherCa.certificatePem);
    env = { METABASE_RO_PASSWORD: 'metabase secret', ZETA_RO_PASSWORD: 'zeta secret' };
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connects with sslmode=verify-full when the certificate names the host and chains to sslrootcert', async () => {
    const session = Session.open({ fromEnv: ADMIN_ENV }, 'provider.adminUrl', envSecretResolver({ env: { [ADMIN_ENV]: verifiedUrl('localhost') } }));
    try {
      const admin: pg.Client = await session.admin();
      const [row] = await session.query<{ ssl: boolean; statement: string; lock: string; idle: string }>(admin, `
        SELECT ssl, current_setting('statement_timeout') AS statement, current_setting('lock_timeout') AS lock,
               current_setting('idle_in_transaction_session_timeout') AS idle
        FROM pg_stat_ssl WHERE pid = pg_backend_pid()`);
      expect(row).toEqual({ ssl: true, statement: '2min', lock: '1min', idle: '2min' });
    } finally {
      await session.close();
    }
  });

  it('says so when the server ended a transaction left idle past idle_in_transaction_session_timeout', async () => {
    const url = verifiedUrl('localhost', undefined, '-c idle_in_transaction_session_timeout=200ms');
    const session = Session.open({ fromEnv: ADMIN_ENV }, 'provider.adminUrl', envSecretResolver({ env: { [ADMIN_ENV]: url } }));
    try {
      const admin = await session.admin();
      const ended = new Promise((resolve) => admin.once('end', resolve));
      await session.query(admin, 'BEGIN');
      await ended;
      await expect(session.query(admin, 'SELECT 1')).rejects.toThrow(
        'the server ended the connection to database postgres after idle_in_transaction_session_timeout (200 ms)',
      );
    } finally {
      await session.close();
    }
  });

  it('refuses a certificate that does not name the host, or that another CA signed, or that the system store does not know', async () => {
    const prefix = `postgres: cannot connect to 127.0.0.1:${server.port} (database postgres) as postgres: `;
    expect((await planError(verifiedUrl('127.0.0.1'))).message).toMatch(new RegExp(`^${prefix.replace(/[.()]/g, '\\$&')}Hostname/IP does not match certificate's altnames`));
    expect((await planError(verifiedUrl('localhost', join(dir, 'other-ca.crt')))).message).toMatch(/cannot connect to localhost:\d+ .*: (self-signed certificate in certificate chain|unable to verify the first certificate|unable to get local issuer certificate)$/);
    expect((await planError(verifiedUrl('localhost', 'system'))).message).toMatch(/cannot connect to localhost:\d+ .*: (self-signed certificate in certificate chain|unable to verify the first certificate|unable to get local issuer certificate)$/);
  });

  it('applies over verified TLS', async () => {
    const result = await applyOnce(ordersConfig([integration('metabase', 'metabase_ro')]), { ...env, [ADMIN_ENV]: verifiedUrl('localhost') });
    expect(result.ok).toBe(true);
    expect(await hbaText(server)).toContain('hostssl orders metabase_ro 127.0.0.1/32 scram-sha-256');
  });

  it('rolls back and releases the apply lock when a statement waits longer than lock_timeout', async () => {
    const before = await hbaText(server);
    const result = await whileRoleIsLocked(() => applyOnce(config, { ...env, [ADMIN_ENV]: verifiedUrl('localhost', undefined, '-c lock_timeout=1s') }));
    expect(result.ok).toBe(false);
    const failed = result.outcomes.find((o) => o.status === 'failed');
    expect(failed?.error).toBe('a statement in database orders waited longer than lock_timeout (1 s) for a lock held by another session and was cancelled');
    expect(result.outcomes.filter((o) => o.status !== 'failed').every((o) => o.status === 'rolled-back' || o.status === 'skipped')).toBe(true);
    expect(await advisoryLocks()).toBe(0);
    expect(await hbaText(server)).toBe(before);
    const roles = await withAdmin(server, async (client) => (await client.query("SELECT count(*)::int AS n FROM pg_roles WHERE rolname = 'zeta_ro'")).rows[0].n);
    expect(roles).toBe(0);
  });

  it('says statement_timeout when that is what cancelled the statement', async () => {
    const result = await whileRoleIsLocked(() => applyOnce(config, {
      ...env, [ADMIN_ENV]: verifiedUrl('localhost', undefined, '-c lock_timeout=0 -c statement_timeout=1s'),
    }));
    expect(result.outcomes.find((o) => o.status === 'failed')?.error).toBe('a statement in database orders ran longer than statement_timeout (1 s) and was cancelled');
    expect(await advisoryLocks()).toBe(0);
  });

  it('says the truth when the server cannot write pg_hba.conf: the write was refused and nothing changed', async () => {
    const path = await withAdmin(server, async (client) => (await client.query("SELECT current_setting('hba_file') AS path")).rows[0].path as string);
    const before = await hbaText(server);
    // Read-only for the server's own user: lo_export cannot open it for writing.
    chmodSync(path, 0o400);
    try {
      const result = await applyOnce(config, { ...env, [ADMIN_ENV]: server.adminUrl });
      expect(result.ok).toBe(false);
      const errors = result.outcomes.filter((o) => o.status === 'failed').map((o) => o.error);
      expect(errors[0]).toMatch(new RegExp(`^PostgreSQL could not write ${path}: .*Permission denied; ${path} is unchanged$`));
      expect(errors.join('\n')).not.toMatch(/restor|put back/);
    } finally {
      chmodSync(path, 0o600);
    }
    expect(await hbaText(server)).toBe(before);
  });
});
