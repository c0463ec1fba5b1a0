import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mariadb';
import type { PemPair } from '../../src/tls/pem.js';
import { issueServerCertificate } from '../../src/tls/server-certificate.js';
import { freePort, unreachableFor, type UserIds } from './pg-server.js';

/**
 * A private MariaDB per test run: Debian's `mariadb-server` (installed by
 * .ci/run), a fresh data directory and a free port of 127.0.0.1, with a
 * password-protected TCP admin (what a provider's admin URL names).
 */
export interface MariadbTestServer {
  /** `mariadb://admin:password@127.0.0.1:port/`: verified TLS when the server serves it, else plain (`ssl-mode=DISABLED`, loopback). */
  adminUrl: string;
  port: number;
  /** The server's Unix socket, where the OS user logs in as the server's root (unix_socket auth). */
  socket: string;
  dataDir: string;
  /** Runs statements as the server's root over the socket (for a test's setup and checks, e.g. a hand-made drift). */
  sql<Row = Record<string, unknown>>(statement: string, values?: unknown[]): Promise<Row[]>;
  /**
   * Runs one statement as root with the `mariadb` command-line client and
   * returns its rows, tab-separated: synchronous, so a test can act between
   * two statements of the code under test (from a progress callback).
   */
  client(statement: string): string;
  /** Everything the server has written to its log so far. */
  log(): string;
  stop(): Promise<void>;
}

export interface MariadbTestServerOptions {
  /** Serve TLS from the start with a certificate this CA signs for these names. */
  tls?: { ca: PemPair; hostnames: string[] };
}

const SERVER_BINARY = '/usr/sbin/mariadbd';
const INSTALL_BINARY = '/usr/bin/mariadb-install-db';
const CLIENT_BINARY = '/usr/bin/mariadb';
const ADMIN_USER = 'dbfence_admin';
const ADMIN_PASSWORD = 'test-admin-password';
/** Bounds every wait on the server: install, start-up and shutdown each take well under a second here. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** Why MariaDB tests cannot run on this machine, or undefined when they can. */
export function mariadbMissing(): string | undefined {
  const missing = [SERVER_BINARY, INSTALL_BINARY, CLIENT_BINARY].filter((path) => !existsSync(path));
  if (missing.length === 0) return undefined;
  return `MariaDB is not installed (${missing.join(', ')} missing): \`apt-get install -y mariadb-server\` on Debian 12, as .ci/run does`;
}

/** As root the server must run as the `mysql` system user (mariadbd refuses to run as root). */
function serverUser(): UserIds | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): string => execFileSync('id', [flag, 'mysql'], { encoding: 'utf8' }).trim();
  return { uid: Number(id('-u')), gid: Number(id('-g')), groups: id('-G').split(/\s+/).map(Number) };
}

/** Writes the TLS files where the server can read them, and the flags that load them. */
function tlsFlags(root: string, tls: MariadbTestServerOptions['tls'], owner: UserIds | undefined): string[] {
  if (!tls) return [];
  const issued = issueServerCertificate({ ca: tls.ca, hostnames: tls.hostnames, notAfter: new Date(Date.now() + 86_400_000) });
  const files = { cert: join(root, 'server.crt'), key: join(root, 'server.key'), ca: join(root, 'ca.crt') };
  writeFileSync(files.cert, issued.certificatePem, { mode: 0o600 });
  writeFileSync(files.key, issued.keyPem, { mode: 0o600 });
  writeFileSync(files.ca, tls.ca.certificatePem, { mode: 0o600 });
  if (owner) for (const path of Object.values(files)) chownSync(path, owner.uid, owner.gid);
  return [`--ssl-cert=${files.cert}`, `--ssl-key=${files.key}`, `--ssl-ca=${files.ca}`];
}

export async function startMariadbServer(options: MariadbTestServerOptions = {}): Promise<MariadbTestServer> {
  const missing = mariadbMissing();
  if (missing) throw new Error(missing);
  const owner = serverUser();
  const unreachable = owner && unreachableFor(owner, tmpdir());
  if (unreachable) throw new Error(`the MariaDB tests run the server as the mysql user (the tests run as root), and ${unreachable}: set TMPDIR to a folder every user can enter`);
  const root = mkdtempSync(join(tmpdir(), 'dbfence-mariadb-'));
  chmodSync(root, 0o755);
  const dataDir = join(root, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  // The server creates its socket and pid file in the run's folder.
  if (owner) for (const path of [root, dataDir]) chownSync(path, owner.uid, owner.gid);
  // Temporary tables get names from the process id: servers of parallel test runs sharing /tmp collide.
  const tmp = join(root, 'tmp');
  mkdirSync(tmp, { mode: 0o700 });
  if (owner) chownSync(tmp, owner.uid, owner.gid);
  const socket = join(root, 'mariadb.sock');
  const port = await freePort();
  const userFlags = owner ? ['--user=mysql'] : [];
  const log: string[] = [];
  await run(INSTALL_BINARY, ['--no-defaults', `--datadir=${dataDir}`, `--tmpdir=${tmp}`, ...userFlags, '--skip-test-db'], log);
  const child = spawn(SERVER_BINARY, [
    '--no-defaults', `--datadir=${dataDir}`, `--tmpdir=${tmp}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1',
    '--skip-name-resolve', `--pid-file=${join(root, 'mariadbd.pid')}`, ...userFlags, ...tlsFlags(root, options.tls, owner),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A test run that ends without stop() must not leave the server behind.
  const orphaned = (): void => { child.kill('SIGKILL'); };
  process.once('exit', orphaned);
  const stop = async (): Promise<void> => {
    process.off('exit', orphaned);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(killer);
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await ready(child, log);
  } catch (error) {
    await stop();
    throw error;
  }
  const sql = async <Row>(statement: string, values?: unknown[]): Promise<Row[]> => {
    const connection = await createConnection({
      socketPath: socket, user: owner ? 'root' : userInfo().username, connectTimeout: 5_000, queryTimeout: 30_000,
    });
    try {
      return (await connection.query(statement, values)) as Row[];
    } finally {
      await connection.end();
    }
  };
  try {
    await sql(`CREATE USER '${ADMIN_USER}'@'127.0.0.1' IDENTIFIED BY '${ADMIN_PASSWORD}'`);
    await sql(`GRANT ALL PRIVILEGES ON *.* TO '${ADMIN_USER}'@'127.0.0.1' WITH GRANT OPTION`);
  } catch (error) {
    await stop();
    throw error;
  }
  const client = (statement: string): string => execFileSync(CLIENT_BINARY, [
    '--no-defaults', `--socket=${socket}`, `--user=${owner ? 'root' : userInfo().username}`, '--batch', '--skip-column-names', `--connect-timeout=5`, '-e', statement,
  ], { encoding: 'utf8', timeout: 30_000 });
  return {
    client,
    adminUrl: `mariadb://${ADMIN_USER}:${ADMIN_PASSWORD}@127.0.0.1:${port}/${options.tls ? '' : '?ssl-mode=DISABLED'}`,
    port,
    socket,
    dataDir,
    sql,
    log: () => log.join(''),
    stop,
  };
}

/** Resolves once the server accepts connections; rejects, with its log, when it exits first or takes too long. */
function ready(child: ReturnType<typeof spawn>, log: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`MariaDB was not ready within ${START_TIMEOUT_MS} ms: ${log.join('')}`)), START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      log.push(text);
      if (text.includes('ready for connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`MariaDB exited (${code}) before it was ready: ${log.join('')}`));
    });
  });
}

function run(command: string, args: string[], log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      log.push(...output);
      if (code === 0) resolve();
      else reject(new Error(`${command} failed (${signal ?? code}): ${output.join('')}`));
    });
  });
}
