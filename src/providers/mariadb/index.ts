import { inspectTls, type MariadbTlsLive, tlsChanges, tlsNotices, tlsSteps } from '../../edges/mariadb/tls.js';
import { MariadbEngine, type MariadbLive, mariadbDesiredState, Session } from '../../engines/mariadb/index.js';
import { ToolError } from '../../errors.js';
import type { EndpointsConfig, MariadbProviderSettings } from '../../model/config.js';
import type { Step } from '../../plan/runner.js';
import { resolveProviderCa, resolveProviderCaCertificate } from '../../tls/provider-ca.js';
import type { Provider, ProviderFactory } from '../types.js';

/** The server's TLS (the edge) and the accounts of every file in scope. */
export interface MariadbState {
  tls: MariadbTlsLive;
  accounts: MariadbLive;
}

const ADMIN_URL = 'provider.adminUrl';

/** The edge's changes (the server's TLS), by address. */
function isEdgeChange(address: string): boolean {
  return address.startsWith('mariadb.certificate.') || address.startsWith('mariadb.tls.');
}

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
    // The server-wide apply lock, from the re-read to the last step: the certificate's files are written by one apply at a time too.
    exclusive: (apply) => engine.exclusive(apply),
    /**
     * The certificate first (every managed account requires TLS, and the
     * admin connection verifies it), then the accounts, then tls_version,
     * which dbfence cannot change in a running server: its step only says so.
     */
    steps(desired, live, changes): Step[] {
      const edge = changes.filter((change) => isEdgeChange(change.address));
      const [certificate, restart] = [edge.filter((change) => change.operation.kind === 'certificate'), edge.filter((change) => change.operation.kind !== 'certificate')];
      const tls = (own: typeof edge) => tlsSteps(desired, live.tls, own, {
        withSql: withEdgeSession,
        ca: () => resolveProviderCa(settings, context.secrets, context.now()),
        now: context.now(),
        log: context.log,
      });
      return [...tls(certificate), ...engine.steps(live.accounts, changes.filter((change) => !isEdgeChange(change.address))), ...tls(restart)];
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
