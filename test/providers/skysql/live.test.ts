import { describe, expect, it } from 'vitest';
import type { Database, EndpointsConfig } from '../../../src/model/config.js';
import { envSecretResolver } from '../../../src/providers/secrets.js';
import { SkysqlApi } from '../../../src/edges/skysql/api.js';
import { SkysqlHttp } from '../../../src/edges/skysql/http.js';
import { createSkysqlProvider, DEFAULT_API_URL } from '../../../src/providers/skysql/index.js';
import { toLiveService, type LiveService } from '../../../src/edges/skysql/live.js';
import { DEFAULT_OPTIONS } from '../../../src/edges/skysql/options.js';

/**
 * Read-only acceptance against the real SkySQL API: lists the account's
 * services, writes a file that declares each one as it is, and checks that
 * inspect and plan read it back with no change. Nothing is modified.
 */
const apiKey = process.env.SKYSQL_API_KEY;
const apiUrl = process.env.SKYSQL_API_URL || DEFAULT_API_URL;
/** The organization to act in (`provider.orgId`), for a key whose user belongs to several. */
const orgId = process.env.SKYSQL_ORG_ID || undefined;
if (!apiKey) console.info('skysql live acceptance test skipped: SKYSQL_API_KEY is not set');

describe.skipIf(!apiKey)('skysql against the live API (read-only)', () => {
  it('plans no change for a file that declares every service as it is', async () => {
    const logs: string[] = [];
    const context = { secrets: envSecretResolver(), log: (message: string) => logs.push(message), now: () => new Date() };
    const http = new SkysqlHttp({ baseUrl: apiUrl, apiKey: () => apiKey!, keySource: 'SKYSQL_API_KEY', orgId, options: DEFAULT_OPTIONS, now: context.now, log: context.log });
    const services = (await new SkysqlApi(http, 100).listServices()).map(toLiveService);
    const config: EndpointsConfig = {
      version: 1,
      provider: { kind: 'skysql', apiKey: { fromEnv: 'SKYSQL_API_KEY' }, apiUrl, ...(orgId ? { orgId } : {}) },
      databases: services.filter((s) => services.filter((t) => t.name === s.name).length === 1).flatMap(declaredAsItIs),
    };
    console.info(`skysql live: ${services.length} services, ${config.databases.length} declared as they are`);
    const provider = createSkysqlProvider(config, context);
    const live = await provider.inspect([config]);
    const changes = provider.diff(config, live);
    expect(changes).toEqual([]);
    for (const text of [JSON.stringify(live), JSON.stringify(changes), ...logs]) expect(text).not.toContain(apiKey);
    await provider.close();
  }, 120_000);
});

function declaredAsItIs(service: LiveService): Database[] {
  const endpoint = service.endpoint;
  if (!endpoint || !/^[a-z_][a-z0-9_-]{0,62}$/.test(service.name)) return [];
  if (endpoint.mechanism === 'privateconnect') {
    if (endpoint.allowedAccounts.length === 0) return [];
    return [{ name: service.name, engine: 'mariadb', endpoints: [{ name: 'primary', exposure: 'private', allowedAccounts: endpoint.allowedAccounts }] }];
  }
  if (endpoint.mechanism !== 'nlb' || endpoint.allowlist.some((entry) => !/^[\d.]+\/\d+$/.test(entry.cidr))) return [];
  return [{
    name: service.name,
    engine: 'mariadb',
    endpoints: [{ name: 'primary', exposure: 'public', allow: endpoint.allowlist.map((entry) => ({ cidr: entry.cidr, ...(entry.comment ? { description: entry.comment } : {}) })) }],
  }];
}
