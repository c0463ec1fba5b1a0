import { ToolError } from '../../errors.js';
import type { EndpointsConfig, PostgresProviderSettings } from '../../model/config.js';
import type { PlanNotice } from '../../plan/types.js';
import type { Provider, ProviderFactory } from '../types.js';
import { certificateNotices } from '../../edges/pg-hba/certificate.js';
import { resolveProviderCaCertificate } from '../../tls/provider-ca.js';
import { desiredState, PostgresqlEngine, type PostgresLive } from '../../engines/postgresql/index.js';

export type { PostgresLive } from '../../engines/postgresql/index.js';

/**
 * The `postgres` provider: a self-managed PostgreSQL reached over SQL with a
 * superuser admin URL. Its edge is the server's pg_hba.conf and certificate
 * (src/edges/pg-hba), its accounts engine `postgresql` (src/engines):
 * per integration a login role (marked by a comment), exactly the declared
 * privileges, and the role's lines in pg_hba.conf.
 */
export const createPostgresProvider: ProviderFactory = (config, context) => {
  if (config.provider.kind !== 'postgres') throw new ToolError(`provider.kind: ${config.provider.kind} is not postgres`);
  const settings: PostgresProviderSettings = config.provider;
  // With provider.ca, inspect also tells whether that CA signed the served certificate.
  const engine = new PostgresqlEngine(settings.adminUrl, 'provider.adminUrl', context,
    () => (settings.ca ? { certificatePem: resolveProviderCaCertificate(settings, context.secrets) } : undefined));

  const provider: Provider<PostgresLive> = {
    kind: 'postgres',
    inspect: (scope: readonly EndpointsConfig[]) => engine.inspect(scope.map(desiredState)),
    diff: (desired, live) => engine.changes(desiredState(desired), live),
    notices(desired, live): PlanNotice[] {
      return live.certificate ? certificateNotices(desired, live.certificate, context.now()) : [];
    },
    exclusive: (apply) => engine.exclusive(apply),
    steps: (desired, live, changes) => engine.steps(desiredState(desired), live, changes),
    async caCertificate() {
      return resolveProviderCaCertificate(settings, context.secrets);
    },
    async close() {},
  };
  return provider as Provider;
};
