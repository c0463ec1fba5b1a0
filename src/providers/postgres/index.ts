import { ToolError } from '../../errors.js';
import type { EndpointsConfig, PostgresProviderSettings } from '../../model/config.js';
import type { PlanNotice } from '../../plan/types.js';
import type { Provider, ProviderFactory } from '../types.js';
import { applyDesired } from './apply.js';
import { certificateNotices, resolvePostgresCaCertificate } from './certificate.js';
import { Session } from './connect.js';
import { desiredState } from './desired.js';
import { planChanges } from './diff.js';
import { inspect } from './inspect.js';
import type { PostgresLive } from './live.js';
import { Passwords } from './passwords.js';

export type { PostgresLive } from './live.js';

/**
 * The `postgres` provider: a self-managed PostgreSQL reached over SQL with a
 * superuser admin URL. Per integration it manages a login role (marked by a
 * comment), exactly the declared privileges, and the role's lines in
 * pg_hba.conf. Every operation opens its own connections and closes them.
 */
export const createPostgresProvider: ProviderFactory = (config, context) => {
  if (config.provider.kind !== 'postgres') throw new ToolError(`provider.kind: ${config.provider.kind} is not postgres`);
  const settings: PostgresProviderSettings = config.provider;
  const passwords = new Passwords(context.secrets);

  /** With provider.ca, inspect also tells whether that CA signed the served certificate. */
  function caOption(): { ca?: { certificatePem: string } } {
    return settings.ca ? { ca: { certificatePem: resolvePostgresCaCertificate(settings, context.secrets) } } : {};
  }

  async function withSession<T>(use: (session: Session) => Promise<T>): Promise<T> {
    const session = Session.open(settings, context.secrets);
    try {
      return await use(session);
    } finally {
      await session.close();
    }
  }

  const provider: Provider<PostgresLive> = {
    kind: 'postgres',
    async inspect(scope: readonly EndpointsConfig[]) {
      const states = scope.map(desiredState);
      const live = await withSession((session) => inspect(session, states, caOption()));
      await passwords.check(states.flatMap((state) => state.roles), live.roles);
      return live;
    },
    diff(desired, live) {
      return planChanges(desiredState(desired), live, passwords, context.now()).map((planned) => planned.change);
    },
    notices(desired, live): PlanNotice[] {
      return live.certificate ? certificateNotices(desired, live.certificate, context.now()) : [];
    },
    async apply(desired, options) {
      const state = desiredState(desired);
      return withSession((session) => applyDesired(session, state, {
        passwords, secrets: context.secrets, options, log: context.log, now: context.now, caCertificate: caOption().ca,
      }));
    },
    async caCertificate() {
      return resolvePostgresCaCertificate(settings, context.secrets);
    },
    async close() {},
  };
  return provider as Provider;
};
