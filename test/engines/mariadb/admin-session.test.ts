import { beforeEach, describe, expect, it, vi } from 'vitest';

/** A stand-in for the driver: which server answers, and what the session sent it. */
const driver = vi.hoisted(() => ({
  evaluated: false,
  server: undefined as { version: string; comment: string } | undefined,
  sent: [] as string[],
  ended: 0,
}));

vi.mock('mariadb', () => {
  driver.evaluated = true;
  return {
    createConnection: async () => {
      if (!driver.server) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
      const server = driver.server;
      return {
        on: () => {},
        end: async () => { driver.ended += 1; },
        query: async (sql: string) => {
          driver.sent.push(sql);
          return sql.startsWith('SELECT VERSION()') ? [server] : [];
        },
      };
    },
  };
});

const { Session } = await import('../../../src/engines/mariadb/connect.js');
const { envSecretResolver } = await import('../../../src/providers/secrets.js');

function session() {
  return Session.open({ fromEnv: 'ADMIN' }, 'provider.adminUrl', envSecretResolver({ env: { ADMIN: 'mysql://admin:pw@127.0.0.1:1/?ssl-mode=DISABLED' } }), {});
}

describe('the admin connection', () => {
  beforeEach(() => {
    driver.server = undefined;
    driver.sent = [];
    driver.ended = 0;
  });

  it('evaluates the driver at the first connection, not when the engine is imported (lint never connects)', async () => {
    expect(driver.evaluated).toBe(false);
    const { MariadbEngine } = await import('../../../src/engines/mariadb/index.js');
    const engine = new MariadbEngine({ fromEnv: 'ADMIN' }, 'provider.adminUrl', {
      secrets: envSecretResolver({ env: { ADMIN: 'mariadb://admin:pw@127.0.0.1:1/?ssl-mode=DISABLED' } }), log: () => {}, now: () => new Date(),
    });
    expect(engine.server()).toEqual({ host: '127.0.0.1', port: 1, user: 'admin' });
    expect(driver.evaluated).toBe(false);
    await expect(engine.inspect([])).rejects.toThrow('mariadb: cannot connect to 127.0.0.1:1 as admin: connect ECONNREFUSED 127.0.0.1:1');
    expect(driver.evaluated).toBe(true);
  });

  it('bounds a MySQL session with MySQL\'s variables, and a MariaDB one with MariaDB\'s', async () => {
    driver.server = { version: '8.0.36', comment: 'MySQL Community Server - GPL' };
    expect((await session().dialect()).label).toBe('MySQL 8.0.36');
    expect(driver.sent.at(-1)).toBe('SET SESSION max_execution_time = 120000, lock_wait_timeout = 120, innodb_lock_wait_timeout = 120');
    driver.server = { version: '10.11.19-MariaDB-0+deb12u1', comment: 'Debian 12' };
    expect((await session().dialect()).label).toBe('MariaDB 10.11.19');
    expect(driver.sent.at(-1)).toBe('SET SESSION max_statement_time = 120, lock_wait_timeout = 120, innodb_lock_wait_timeout = 120');
  });

  it('refuses an older server in one line, and closes the connection', async () => {
    driver.server = { version: '5.7.44-log', comment: 'MySQL Community Server (GPL)' };
    await expect(session().query('SELECT 1')).rejects.toThrow(/^mariadb: the server runs MySQL 5.7.44; dbfence needs MariaDB 10.6 or MySQL 8.0 and later$/);
    expect(driver.ended).toBe(1);
    expect(driver.sent).not.toContain('SELECT 1');
  });
});
