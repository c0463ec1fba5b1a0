import type { SecretRef } from '../../model/config.js';
import type { ApplyResult, Change } from '../../plan/types.js';
import type { ApplyOptions, ProviderContext } from '../../providers/types.js';
import { applyDesired } from './apply.js';
import { type ServerAddress, Session } from './connect.js';
import type { DesiredState } from './desired.js';
import { planChanges } from './diff.js';
import { inspect } from './inspect.js';
import type { PostgresLive } from './live.js';
import { Passwords } from './passwords.js';

export type { DesiredState } from './desired.js';
export { databaseAccounts, desiredState } from './desired.js';
export type { PostgresLive } from './live.js';

/**
 * The `postgresql` accounts engine: integration users, their grants and
 * passwords, over one admin connection. Roles carry dbfence's marker,
 * passwords are stored as SCRAM verifiers and rotated when the secret no
 * longer matches, grants are exactly the declared ones, and an apply holds the
 * advisory lock with one transaction per database. The self-managed edge
 * (pg_hba.conf and the certificate) rides along when the state says
 * `selfManaged`. Every operation opens its own connections and closes them.
 */
export class PostgresqlEngine {
  private readonly passwords: Passwords;

  /** `where` names the admin URL's setting in the file, for messages. */
  constructor(
    private readonly adminUrl: SecretRef, private readonly where: string, private readonly context: ProviderContext,
    private readonly caCertificate: () => { certificatePem: string } | undefined = () => undefined,
  ) {
    this.passwords = new Passwords(context.secrets);
  }

  /** Where the admin URL points (read from the secret, no connection made). */
  server(): ServerAddress {
    return Session.open(this.adminUrl, this.where, this.context.secrets).server;
  }

  async inspect(states: readonly DesiredState[]): Promise<PostgresLive> {
    const ca = this.caCertificate();
    return this.withSession((session) => inspect(session, states, { ...(ca ? { ca } : {}), passwords: this.passwords }));
  }

  /** Pure: the changes that make `live` match `state`. */
  changes(state: DesiredState, live: PostgresLive): Change[] {
    return planChanges(state, live, this.passwords, this.context.now()).map((planned) => planned.change);
  }

  /** Re-reads and re-plans under the apply lock, then applies. */
  apply(state: DesiredState, options: ApplyOptions): Promise<ApplyResult> {
    return this.withSession((session) => applyDesired(session, state, {
      passwords: this.passwords, secrets: this.context.secrets, options, log: this.context.log, now: this.context.now, caCertificate: this.caCertificate(),
    }));
  }

  private async withSession<T>(use: (session: Session) => Promise<T>): Promise<T> {
    const session = Session.open(this.adminUrl, this.where, this.context.secrets);
    try {
      return await use(session);
    } finally {
      await session.close();
    }
  }
}
