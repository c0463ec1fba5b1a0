import type { SecretRef } from '../../model/config.js';
import { lockedStepGroup } from '../../plan/apply.js';
import type { Step, StepGroup } from '../../plan/runner.js';
import type { Change } from '../../plan/types.js';
import type { ProviderContext } from '../../providers/types.js';
import { engineSteps, withApplyLock } from './apply.js';
import { HeldSession } from '../held-session.js';
import { type ServerAddress, Session } from './connect.js';
import type { DesiredState } from './desired.js';
import { planChanges, type PostgresqlChange } from './diff.js';
import { inspect } from './inspect.js';
import type { PostgresLive } from './live.js';
import { Passwords } from './passwords.js';

export type { DesiredState } from './desired.js';
export type { PostgresqlChange, PostgresqlOperation } from './diff.js';
export { databaseAccounts, desiredState } from './desired.js';
export type { PostgresLive } from './live.js';

/**
 * The `postgresql` accounts engine: integration users, their grants and
 * passwords, over one admin connection. Roles carry dbfence's marker,
 * passwords are stored as SCRAM verifiers and rotated when the secret no
 * longer matches, grants are exactly the declared ones, and an apply holds the
 * advisory lock with one transaction per database. The self-managed edge
 * (pg_hba.conf and the certificate) rides along when the state says
 * `selfManaged`. Every operation opens its own connections and closes them,
 * except inside `exclusive`, where all share the session holding the lock.
 */
export class PostgresqlEngine {
  private readonly passwords: Passwords;
  private readonly sessions: HeldSession<Session>;

  /** `where` names the admin URL's setting in the file, for messages. */
  constructor(
    private readonly adminUrl: SecretRef, private readonly where: string, private readonly context: ProviderContext,
    private readonly caCertificate: () => { certificatePem: string } | undefined = () => undefined,
  ) {
    this.passwords = new Passwords(context.secrets);
    this.sessions = new HeldSession(() => Session.open(adminUrl, where, context.secrets), (session, use) => withApplyLock(session, context.log, use));
  }

  /** Where the admin URL points (read from the secret, no connection made). */
  server(): ServerAddress {
    return Session.open(this.adminUrl, this.where, this.context.secrets).server;
  }

  async inspect(states: readonly DesiredState[]): Promise<PostgresLive> {
    const ca = this.caCertificate();
    return this.sessions.use((session) => inspect(session, states, { ...(ca ? { ca } : {}), passwords: this.passwords }));
  }

  /** Pure: the changes that make `live` match `state`, each with its operation. */
  changes(state: DesiredState, live: PostgresLive): PostgresqlChange[] {
    return planChanges(state, live, this.passwords, this.context.now());
  }

  /** Runs `apply` holding the apply lock; what it inspects and runs meanwhile uses the session that holds it. */
  exclusive<T>(apply: () => Promise<T>): Promise<T> {
    return this.sessions.exclusive(apply);
  }

  /**
   * The runner's steps for `changes` (this engine's plan for `state`, each
   * as `relabel` gave it) as a group that takes the apply lock only when its
   * turn comes, for a platform whose earlier steps may restart the database
   * (and so end any session held through them). Under the lock it reads the
   * live state again and runs the steps only if it still plans `changes`.
   */
  lockedSteps(state: DesiredState, changes: readonly Change[], relabel: (change: PostgresqlChange) => Change, where: string): StepGroup {
    return lockedStepGroup(changes, {
      exclusive: (use) => this.exclusive(use),
      inspect: () => this.inspect([state]),
      changes: (live) => this.changes(state, live).map(relabel),
      steps: (live) => this.steps(state, live, changes),
    }, where);
  }

  /** The runner's steps for `changes` (this engine's plan for `live`, under any addresses), run inside `exclusive`. */
  steps(state: DesiredState, live: PostgresLive, changes: readonly Change[]): Step[] {
    if (changes.length === 0) return [];
    const held = this.sessions.held;
    if (!held) throw new Error('the postgresql engine runs steps only inside exclusive(), under the apply lock');
    return engineSteps(held, state, live, changes, {
      passwords: this.passwords, secrets: this.context.secrets, log: this.context.log, now: this.context.now,
    });
  }
}
