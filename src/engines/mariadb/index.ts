import { ToolError } from '../../errors.js';
import type { SecretRef } from '../../model/config.js';
import { formatPath } from '../../model/path.js';
import type { ApplyResult, Change, PlanNotice } from '../../plan/types.js';
import type { ApplyOptions, ProviderContext } from '../../providers/types.js';
import type { Trust } from './admin-url.js';
import { applyDesired } from './apply.js';
import { type ServerAddress, Session } from './connect.js';
import type { DesiredUser, MariadbDesiredState } from './desired.js';
import { planChanges } from './diff.js';
import { inspect } from './inspect.js';
import type { MariadbLive } from './live.js';
import { wideAccessNotices } from './notices.js';
import { rememberingPasswordMatches } from './passwords.js';

export type { Trust } from './admin-url.js';
/** The admin connection, for an edge that needs SQL of its own (a self-managed server's `FLUSH SSL`). */
export { errorMessage, Session } from './connect.js';
export type { MariadbDesiredState } from './desired.js';
export { mariadbDatabaseAccounts, mariadbDesiredState } from './desired.js';
export type { MariadbLive } from './live.js';

/**
 * The `mariadb` accounts engine, for MariaDB and MySQL 8 servers (dialect.ts
 * holds what differs): per integration and `from` entry one account
 * `'user'@'<host pattern>'`, requiring TLS, its password set from a computed
 * authentication string, exactly the declared grants, recorded in
 * `dbfence.accounts` (MariaDB has no account comments). Statements commit
 * one by one, so an apply holds the server's apply lock and runs them in an
 * order where every prefix is safe. Every operation opens its own connection
 * and closes it.
 */
export class MariadbEngine {
  /** Password checks, remembered for the engine's run: plan, drift and apply check the same accounts. */
  private readonly matches = rememberingPasswordMatches();

  /** `where` names the admin URL's setting in the file, for messages; `trust` is what verifies the admin connection's TLS. */
  constructor(
    private readonly adminUrl: SecretRef, private readonly where: string, private readonly context: ProviderContext,
    private readonly trust: Trust = {},
  ) {}

  /** Where the admin URL points (read from the secret, no connection made). */
  server(): ServerAddress {
    return Session.open(this.adminUrl, this.where, this.context.secrets, this.trust).server;
  }

  inspect(states: readonly MariadbDesiredState[]): Promise<MariadbLive> {
    return this.withSession((session) => inspect(session, states));
  }

  /** Pure: the changes that make `live` match `state`. */
  changes(state: MariadbDesiredState, live: MariadbLive): Change[] {
    return planChanges(state, live, (user) => this.password(user), this.matches).map((planned) => planned.change);
  }

  /** What widens access on the server without being a change dbfence makes (`wide-account-access`), at the admin URL. */
  notices(state: MariadbDesiredState, live: MariadbLive): PlanNotice[] {
    return wideAccessNotices(state, live);
  }

  /** Re-reads and re-plans under the apply lock, then applies. */
  apply(state: MariadbDesiredState, options: ApplyOptions): Promise<ApplyResult> {
    return this.withSession((session) => applyDesired(session, state, {
      options, log: this.context.log, passwords: (user) => this.password(user), matches: this.matches,
    }));
  }

  /** The user's password, or undefined when the file declares none (its accounts then stay locked). */
  private password(user: DesiredUser): string | undefined {
    if (!user.password) return undefined;
    const { ref, path } = user.password;
    if (typeof ref === 'string') {
      throw new ToolError(`${formatPath(path)}: a password must be a reference ({ fromEnv } or { fromFile }), never written in the file`);
    }
    return this.context.secrets.resolve(ref, formatPath(path));
  }

  private async withSession<T>(use: (session: Session) => Promise<T>): Promise<T> {
    const session = Session.open(this.adminUrl, this.where, this.context.secrets, this.trust);
    try {
      return await use(session);
    } finally {
      await session.close();
    }
  }
}
