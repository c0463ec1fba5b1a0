import { describe, expect, it } from 'vitest';
import type { EndpointsConfig } from '../../src/model/config.js';
import { trustedSettingsOf, withTrustedSettings } from '../../src/plan/run.js';

const base: EndpointsConfig = {
  version: 1,
  provider: { kind: 'aptible', environment: 'production', token: { fromEnv: 'APTIBLE_TOKEN' } },
  databases: [
    { name: 'orders', engine: 'postgresql', adminUrl: { fromEnv: 'ORDERS_ADMIN_URL' } },
    { name: 'billing', engine: 'postgresql' },
  ],
};

describe('trusted settings for a pull request\'s file', () => {
  it('take the provider and every admin connection from the trusted commit, never from the pull request', () => {
    const pullRequest: EndpointsConfig = {
      version: 1,
      provider: { kind: 'aptible', environment: 'acme', token: { fromEnv: 'DBFENCE_PG_ADMIN_URL' }, apiUrl: 'http://198.51.100.7' },
      databases: [
        { name: 'orders', engine: 'postgresql', adminUrl: { fromEnv: 'DBFENCE_PG_ADMIN_URL' } },
        { name: 'billing', engine: 'postgresql', adminUrl: { fromFile: '/etc/other-secret' } },
        { name: 'new-db', engine: 'postgresql', adminUrl: { fromEnv: 'SOME_OTHER_SECRET' } },
      ],
    };
    const planned = withTrustedSettings(pullRequest, trustedSettingsOf(base));
    expect(planned.provider).toEqual(base.provider);
    expect(planned.databases.map((database) => [database.name, database.adminUrl])).toEqual([
      ['orders', { fromEnv: 'ORDERS_ADMIN_URL' }],
      // No admin connection at the trusted commit: none at all, so the plan leaves that database's accounts unmanaged.
      ['billing', undefined],
      ['new-db', undefined],
    ]);
    expect(pullRequest.databases[0]!.adminUrl).toEqual({ fromEnv: 'DBFENCE_PG_ADMIN_URL' });
  });
});
