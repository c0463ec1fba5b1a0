import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointsConfig } from '../../../src/model/config.js';
import { createCa } from '../../../src/tls/ca.js';
import type { PemPair } from '../../../src/tls/pem.js';
import { serverKinds, startTestServer, type TestServer } from '../../helpers/pg-server.js';
import { ADMIN_ENV, applyOnce, connect, integration, ordersConfig, planOnce, providerFor, seedOrders } from './fixtures.js';

describe.each(serverKinds())('postgres apply on a server without TLS yet (PostgreSQL %s)', (kind) => {
  let server: TestServer;
  let ca: PemPair;
  let env: Record<string, string>;

  function withCa(config: EndpointsConfig): EndpointsConfig {
    return { ...config, provider: { kind: 'postgres', adminUrl: { fromEnv: ADMIN_ENV }, ca: { certificate: { fromEnv: 'CA_CERT' }, key: { fromEnv: 'CA_KEY' } } } };
  }

  const config = withCa(ordersConfig([integration('metabase', 'metabase_ro')]));

  beforeAll(async () => {
    server = await startTestServer(kind);
    await seedOrders(server);
    ca = createCa({ commonName: 'dbfence test CA', validityDays: 365 });
    env = { [ADMIN_ENV]: server.adminUrl, CA_CERT: ca.certificatePem, CA_KEY: ca.keyPem, METABASE_RO_PASSWORD: 'metabase secret' };
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('issues the certificate before writing the hostssl lines that need it', async () => {
    const { changes } = await planOnce(config, env);
    expect(changes[0]).toMatchObject({ address: 'postgres.certificate.server', resource: 'certificate', action: 'create' });
    expect(changes.some((c) => c.resource === 'hba-rule')).toBe(true);

    const result = await applyOnce(config, env);
    expect(result.outcomes.map((o) => o.status)).toEqual(changes.map(() => 'applied'));
    expect(result.outcomes[0]?.change.address).toBe('postgres.certificate.server');

    // The integration connects with full verification: the chain to the CA and the hostname.
    const client = await connect(`postgres://metabase_ro:${encodeURIComponent('metabase secret')}@127.0.0.1:${server.port}/orders`, {
      ssl: { ca: ca.certificatePem, servername: 'localhost', rejectUnauthorized: true },
    });
    expect((await client.query('SELECT count(*)::int AS n FROM public.orders')).rows).toEqual([{ n: 2 }]);
    await client.end();

    expect((await planOnce(config, env)).changes).toEqual([]);
  });

  it('gives clients the CA certificate', async () => {
    expect(await providerFor(config, env).caCertificate()).toBe(ca.certificatePem);
  });
});
