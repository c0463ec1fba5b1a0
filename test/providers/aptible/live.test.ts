/**
 * Acceptance against the real Aptible API. Read-only unless
 * DBFENCE_APTIBLE_LIVE_WRITE=1, which creates, changes and deprovisions one
 * endpoint on APTIBLE_DATABASE and restarts that database: use a scratch one.
 *
 *   APTIBLE_ACCESS_TOKEN   a token from `aptible login` (never printed)
 *   APTIBLE_ENVIRONMENT    the environment handle
 *   APTIBLE_DATABASE       optional for reading, required for writing: a database handle
 *   APTIBLE_API_URL        optional, defaults to https://api.aptible.com
 */
import { describe, expect, it } from 'vitest';
import type { Database, EndpointsConfig } from '../../../src/model/config.js';
import { aptibleProvider } from '../../../src/providers/aptible/index.js';
import { type AptibleLive, managedEndpoints } from '../../../src/edges/aptible/live.js';
import { envSecretResolver } from '../../../src/providers/secrets.js';
import { applyFile } from '../../../src/plan/apply.js';

const env = process.env;
const missing = ['APTIBLE_ACCESS_TOKEN', 'APTIBLE_ENVIRONMENT'].filter((name) => !env[name]);
const writeRequested = env.DBFENCE_APTIBLE_LIVE_WRITE === '1';
const writeMissing = writeRequested && !env.APTIBLE_DATABASE ? ['APTIBLE_DATABASE'] : [];

if (missing.length > 0) {
  console.log(`aptible live acceptance skipped: set ${missing.join(' and ')} to run it against the real API`);
} else if (!writeRequested) {
  console.log('aptible live acceptance runs read-only (inspect and plan); set DBFENCE_APTIBLE_LIVE_WRITE=1 and APTIBLE_DATABASE to also apply');
} else if (writeMissing.length > 0) {
  console.log('aptible live write acceptance skipped: DBFENCE_APTIBLE_LIVE_WRITE=1 needs APTIBLE_DATABASE, a scratch database it may restart');
}

const logs: string[] = [];
const handle = env.APTIBLE_DATABASE;

function config(databases: Database[]): EndpointsConfig {
  return {
    version: 1,
    provider: {
      kind: 'aptible', environment: env.APTIBLE_ENVIRONMENT ?? '', token: { fromEnv: 'APTIBLE_ACCESS_TOKEN' },
      ...(env.APTIBLE_API_URL ? { apiUrl: env.APTIBLE_API_URL } : {}),
    },
    databases,
  };
}

function provider() {
  return aptibleProvider(config([]), { secrets: envSecretResolver(), log: (line) => logs.push(line), now: () => new Date() });
}

/** The file that declares exactly what the database has now. */
function mirror(live: AptibleLive, extra: NonNullable<Database['endpoints']> = []): EndpointsConfig {
  const current = handle === undefined ? undefined : live.databases[handle];
  if (current === undefined) return config([]);
  const endpoints = managedEndpoints(current).map((endpoint) => ({
    name: `existing-${endpoint.id}`, exposure: 'public' as const,
    ...(endpoint.hostname ? { hostname: endpoint.hostname } : {}),
    allow: endpoint.ipWhitelist.map((cidr) => ({ cidr })),
  }));
  return config([{ name: current.handle, engine: current.type === 'mysql' ? 'mysql' : 'postgresql', endpoints: [...endpoints, ...extra] }]);
}

function expectNoToken(): void {
  const token = env.APTIBLE_ACCESS_TOKEN ?? '';
  for (const line of logs) expect(line).not.toContain(token);
}

describe('aptible live acceptance', () => {
  it.skipIf(missing.length > 0)('inspects the environment and plans nothing for a file that mirrors it', async () => {
    const aptible = provider();
    const scope = config(handle ? [{ name: handle, engine: 'postgresql', endpoints: [] }] : []);
    const live = await aptible.inspect([scope]);
    expect(live.environment.handle).toBe(env.APTIBLE_ENVIRONMENT);
    if (handle) expect(live.databases[handle], `database ${handle} in ${env.APTIBLE_ENVIRONMENT}`).toBeDefined();

    const desired = mirror(live);
    const changes = aptible.diff(desired, live);
    expect(changes).toEqual([]);
    expect(JSON.stringify({ live, changes })).not.toContain(env.APTIBLE_ACCESS_TOKEN);
    await expect(aptible.caCertificate()).resolves.toContain('BEGIN CERTIFICATE');
    expectNoToken();
  });

  it.skipIf(missing.length > 0 || !writeRequested || writeMissing.length > 0)(
    'creates, changes and deprovisions an endpoint, restarting the database once',
    async () => {
      const aptible = provider();
      const before = await aptible.inspect([config([{ name: handle!, engine: 'postgresql' }])]);
      const testEndpoint = (cidr: string) => ({ name: 'dbfence-live-test', exposure: 'public' as const, allow: [{ cidr }] });
      // TEST-NET-1 addresses: nobody can connect through the test endpoint.
      const created = mirror(before, [testEndpoint('192.0.2.10/32')]);
      expect((await applyFile(aptible, created, { allowDestructive: true })).ok).toBe(true);
      expect(aptible.diff(created, await aptible.inspect([created]))).toEqual([]);

      const changed = mirror(before, [testEndpoint('192.0.2.11/32')]);
      const change = await applyFile(aptible, changed, { allowDestructive: false });
      expect(change.outcomes.map((o) => [o.change.resource, o.status])).toEqual([['ip-filter', 'applied']]);

      const removal = await applyFile(aptible, mirror(before), { allowDestructive: true });
      expect(removal.outcomes.map((o) => [o.change.action, o.status])).toEqual([['delete', 'applied']]);
      expectNoToken();
    },
    60 * 60_000,
  );
});
