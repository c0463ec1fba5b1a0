import { applyTls, inspectTls, type MariadbTlsLive, tlsChanges, tlsNotices } from '../../edges/mariadb/tls.js';
import { lock, unlock } from '../../engines/mariadb/apply.js';
import { MariadbEngine, type MariadbLive, mariadbDesiredState, Session } from '../../engines/mariadb/index.js';
import { ToolError } from '../../errors.js';
import type { EndpointsConfig, MariadbProviderSettings } from '../../model/config.js';
import { refuseUnacknowledged } from '../../plan/acknowledge.js';
import type { ApplyResult } from '../../plan/types.js';
import { resolveProviderCa, resolveProviderCaCertificate } from '../../tls/provider-ca.js';
import type { Provider, ProviderFactory } from '../types.js';

/** The server's TLS (the edge) and the accounts of every file in scope. */
export interface MariadbState {
  tls: MariadbTlsLive;
  accounts: MariadbLive;
}

const ADMIN_URL = 'provider.adminUrl';

/**
 * The `mariadb` provider: a self-managed MariaDB server reached with an
 * admin URL. Its edge is the server's TLS (src/edges/mariadb: the certificate
 * provider.ca issues, written to provider.serverCertificate's files on this
 * machine and loaded with FLUSH SSL; tls_version and
 * require_secure_transport, reported); its accounts engine `mariadb`
 * (src/engines/mariadb), whose host patterns are the IP filter. One plan
 * holds both, the edge's changes first.
 */
export const createMariadbProvider: ProviderFactory = (config, context) => {
  if (config.provider.kind !== 'mariadb') throw new ToolError(`provider.kind: ${config.provider.kind} is not mariadb`);
  const settings: MariadbProviderSettings = config.provider;
  const caCertificate = (): string | undefined => (settings.ca ? resolveProviderCaCertificate(settings, context.secrets) : undefined);
  // With provider.ca, the admin connection also trusts the certificates it issues.
  const trust = { caPem: caCertificate };
  const engine = new MariadbEngine(settings.adminUrl, ADMIN_URL, context, trust);

  async function withEdgeSession<T>(use: (session: Session) => Promise<T>): Promise<T> {
    const session = Session.open(settings.adminUrl, ADMIN_URL, context.secrets, trust);
    try {
      return await use(session);
    } finally {
      await session.close();
    }
  }

  async function inspect(scope: readonly EndpointsConfig[]): Promise<MariadbState> {
    const tls = await withEdgeSession((session) => inspectTls(session, session.server, settings, caCertificate()));
    return { tls, accounts: await engine.inspect(scope.map(mariadbDesiredState)) };
  }

  const provider: Provider<MariadbState> = {
    kind: 'mariadb',
    inspect,
    diff: (desired, live) => [
      ...tlsChanges(desired, live.tls, context.now()),
      ...engine.changes(mariadbDesiredState(desired), live.accounts),
    ],
    notices: (desired, live) => [
      ...tlsNotices(desired, live.tls, context.now()),
      ...engine.notices(mariadbDesiredState(desired), live.accounts),
    ],
    /**
     * The edge, then the accounts. Nothing runs while a change needs an
     * acknowledgement it lacks. A failed certificate step leaves the old
     * certificate served and its files in place, so the accounts still apply.
     */
    async apply(desired, options): Promise<ApplyResult> {
      const state = mariadbDesiredState(desired);
      const edge = await withEdgeSession(async (session) => {
        // The files of the server certificate are written by one apply at a time: two would mix their pairs.
        await lock(session, await session.dialect(), context.log);
        try {
          const tls = await inspectTls(session, session.server, settings, caCertificate());
          const edgeChanges = tlsChanges(desired, tls, context.now());
          refuseUnacknowledged([...edgeChanges, ...engine.changes(state, await engine.inspect([state]))], options.allowDestructive);
          if (edgeChanges.length === 0) return [];
          return await applyTls(desired, tls, edgeChanges, {
            sql: session,
            ca: () => resolveProviderCa(settings, context.secrets, context.now()),
            now: context.now(),
            log: context.log,
          });
        } finally {
          await unlock(session);
        }
      });
      edge.forEach((outcome) => options.onOutcome?.(outcome));
      // The engine takes the lock again, reads the accounts again and applies them.
      const accounts = await engine.apply(state, options);
      const outcomes = [...edge, ...accounts.outcomes];
      return { outcomes, ok: outcomes.every((outcome) => outcome.status === 'applied') };
    },
    async caCertificate() {
      return resolveProviderCaCertificate(settings, context.secrets);
    },
    async close() {
      // Every operation opens its own connections and closes them.
    },
  };
  return provider as Provider;
};
