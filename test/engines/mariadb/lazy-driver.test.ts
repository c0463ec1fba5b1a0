import { describe, expect, it, vi } from 'vitest';

const driver = vi.hoisted(() => ({ evaluated: false }));

vi.mock('mariadb', () => {
  driver.evaluated = true;
  return { createConnection: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })) };
});

describe('the mariadb driver', () => {
  it('is evaluated at the first connection, not when the engine is imported (lint never connects)', async () => {
    const { MariadbEngine } = await import('../../../src/engines/mariadb/index.js');
    const { envSecretResolver } = await import('../../../src/providers/secrets.js');
    const engine = new MariadbEngine({ fromEnv: 'ADMIN' }, 'provider.adminUrl', {
      secrets: envSecretResolver({ env: { ADMIN: 'mariadb://admin:pw@127.0.0.1:1/?ssl-mode=DISABLED' } }), log: () => {}, now: () => new Date(),
    });
    expect(engine.server()).toEqual({ host: '127.0.0.1', port: 1, user: 'admin' });
    expect(driver.evaluated).toBe(false);
    await expect(engine.inspect([])).rejects.toThrow('mariadb: cannot connect to 127.0.0.1:1 as admin: connect ECONNREFUSED 127.0.0.1:1');
    expect(driver.evaluated).toBe(true);
  });
});
