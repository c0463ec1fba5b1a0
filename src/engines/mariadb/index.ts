import type { SecretRef } from '../../model/config.js';
import { formatPath } from '../../model/path.js';
import { lockedStepGroup } from '../../plan/apply.js';
import type { Step, StepGroup } from '../../plan/runner.js';
import type { Change, PlanNotice } from '../../plan/types.js';
import type { PasswordRef, ProviderContext } from '../../providers/types.js';
import type { Trust } from './admin-url.js';
import { engineSteps, withApplyLock } from './apply.js';
import { HeldSession } from '../held-session.js';
import { type ServerAddress, Session } from './connect.js';
import type { MariadbDesiredState } from './desired.js';
import { type MariadbChange, planChanges } from './diff.js';
import { inspect } from './inspect.js';
import type { MariadbLive } from './live.js';
import { wideAccessNotices } from './notices.js';
import { rememberingPasswordMatches } from './passwords.js';

export type { Trust } from './admin-url.js';
/** The admin connection, for an edge that needs SQL of its own (a self-managed server's `FLUSH SSL`). */
export { errorMessage, Session } from './connect.js';
export type { MariadbDesiredState } from './desired.js';
export type { MariadbChange, MariadbOperation } from './diff.js';
export { mariadbDatabaseAccounts, mariadbDesiredState } from './desired.js';
export type { MariadbLive } from './live.js';

/**
 * The `mariadb` accounts engine, for MariaDB and MySQL 8 servers (dialect.ts
 * holds what differs): per integration and `from` entry one account
 * `'user'@'<host pattern>'`, requiring TLS, its password set from a computed
 * authentication string, exactly the declared grants, recorded in
 * `dbfence.accounts` (MariaDB has no account comments). Statements commit
 * one by one, so an apply holds the server's apply lock (GET_LOCK) and runs
 * them, one step each, in an order where every prefix is safe. Every
 * operation opens its own connection and closes it, except inside
 * `exclusive`, where all share the session holding the lock.
 */
export class MariadbEngine {
  private readonly sessions: HeldSession<Session>;
  /** Password checks, remembered for the engine's run: plan, drift and apply check the same accounts. */
  private readonly matches = rememberingPasswordMatches();

  /** `where` names the admin URL's setting in the file, for messages; `trust` is what verifies the admin connection's TLS. */
  constructor(
    private readonly adminUrl: SecretRef, private readonly where: string, private readonly context: ProviderContext,
    private readonly trust: Trust = {},
  ) {
    this.sessions = new HeldSession(() => Session.open(adminUrl, where, context.secrets, trust), (session, use) => withApplyLock(session, context.log, use));
  }

  /** Where the admin URL points (read from the secret, no connection made). */
  server(): ServerAddress {
    return Session.open(this.adminUrl, this.where, this.context.secrets, this.trust).server;
  }

  inspect(states: readonly MariadbDesiredState[]): Promise<MariadbLive> {
    return this.sessions.use((session) => inspect(session, states));
  }

  /** Pure: the changes that make `live` match `state`, each with its operation. */
  changes(state: MariadbDesiredState, live: MariadbLive): MariadbChange[] {
    return planChanges(state, live, (ref) => this.password(ref), this.matches);
  }

  /** What widens access on the server without being a change dbfence makes (`wide-account-access`), at the admin URL. */
  notices(state: MariadbDesiredState, live: MariadbLive): PlanNotice[] {
    return wideAccessNotices(state, live);
  }

  /** Runs `apply` holding the server's apply lock; what it inspects and runs meanwhile uses the session that holds it. */
  exclusive<T>(apply: () => Promise<T>): Promise<T> {
    return this.sessions.exclusive(apply);
  }

  /**
   * `changes` (this engine's plan for `state`, each as `relabel` gave it) as
   * a group that takes the apply lock only when its turn comes, reads the
   * accounts again under it, and runs only if they still plan `changes`.
   */
  lockedSteps(state: MariadbDesiredState, changes: readonly Change[], relabel: (change: MariadbChange) => Change, where: string): StepGroup {
    return lockedStepGroup(changes, {
      exclusive: (use) => this.exclusive(use),
      inspect: () => this.inspect([state]),
      changes: (live) => this.changes(state, live).map(relabel),
      steps: (live) => this.steps(live, changes),
    }, where);
  }

  /** The runner's steps for `changes` (this engine's plan for `live`, under any addresses), run inside `exclusive`. */
  steps(live: MariadbLive, changes: readonly Change[]): Step[] {
    if (changes.length === 0) return [];
    const held = this.sessions.held;
    if (!held) throw new Error('the mariadb engine runs steps only inside exclusive(), under the apply lock');
    return engineSteps(held, changes, { dialect: live.dialect, password: (ref) => this.password(ref), log: this.context.log });
  }

  private password({ ref, path }: PasswordRef): string {
    return this.context.secrets.resolve(ref, formatPath(path));
  }
}
