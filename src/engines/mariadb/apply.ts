import { ToolError } from '../../errors.js';
import { refuseUnacknowledged } from '../../plan/acknowledge.js';
import type { ApplyResult, ChangeOutcome } from '../../plan/types.js';
import type { ApplyOptions } from '../../providers/types.js';
import { errorMessage, errorNumber, type SqlSession } from './connect.js';
import type { DesiredUser, MariadbDesiredState } from './desired.js';
import type { Dialect } from './dialect.js';
import { type Action, type Claim, type PlannedChange, planChanges } from './diff.js';
import { inspect, RECORDS_TABLE } from './inspect.js';
import type { LivePrivilege } from './live.js';
import { identifiedClause, type PasswordCheck } from './passwords.js';
import { account, ident, literal } from './sql.js';

/** The lock every dbfence apply on the server takes (GET_LOCK is server-wide; it dies with the connection). */
const APPLY_LOCK = 'dbfence:apply';
const LOCK_WAIT_S = 120;
/** Accounts or rows per statement: few round trips, and a failed statement names a bounded set of changes. */
const BATCH = 100;
/** The server ends an unknown thread id with 1094; a session that ended by itself meanwhile is no failure. */
const NO_SUCH_THREAD = 1094;

const RECORDS_DDL = [
  'CREATE DATABASE IF NOT EXISTS dbfence',
  `CREATE TABLE IF NOT EXISTS ${RECORDS_TABLE} (
    user VARCHAR(128) NOT NULL, host VARCHAR(255) NOT NULL,
    integration VARCHAR(64) NOT NULL, db VARCHAR(64) NOT NULL, owner VARCHAR(64) NULL,
    PRIMARY KEY (user, host)
  ) COMMENT 'accounts managed by dbfence: a user with no row here is never touched'`,
];

/**
 * The order statements run in, each committing by itself (account
 * statements commit implicitly), chosen so that stopping after any one
 * leaves no more access than before or after: claims are recorded before an
 * account exists (a record without an account is finished next time, an
 * account without one would look unmanaged); accounts are created locked
 * and without grants; access is taken away before any is given; accounts
 * are unlocked, and passwords set, last.
 */
const enum Stage { Claims, Create, Tighten, Revoke, Drop, EndSessions, Forget, Grant, Unlock }

interface Statement {
  sql: string;
  changes: number[];
  /** A KILL of a session that may have ended by itself. */
  kill?: boolean;
}

class Steps {
  private readonly stages = new Map<Stage, Statement[]>();
  /** `GRANT privileges ON target TO …` for many accounts at once. */
  private readonly grants = new Map<string, { accounts: string[]; changes: number[] }>();
  private readonly claims: { claim: Claim; change: number }[] = [];
  private readonly creates: { clause: string; change: number }[] = [];
  private readonly unlocks: { account: string; change: number }[] = [];

  add(stage: Stage, sql: string, change: number, kill = false): void {
    const list = this.stages.get(stage) ?? [];
    list.push({ sql, changes: [change], ...(kill ? { kill } : {}) });
    this.stages.set(stage, list);
  }

  claim(claim: Claim, change: number): void {
    this.claims.push({ claim, change });
  }

  create(clause: string, change: number): void {
    this.creates.push({ clause, change });
  }

  grant(privileges: string[], target: string, to: string, change: number): void {
    const key = `GRANT ${privileges.join(', ')} ON ${target}`;
    const entry = this.grants.get(key) ?? { accounts: [], changes: [] };
    entry.accounts.push(to);
    entry.changes.push(change);
    this.grants.set(key, entry);
  }

  unlock(name: string, change: number): void {
    this.unlocks.push({ account: name, change });
  }

  statements(): Statement[] {
    const batched = new Map<Stage, Statement[]>();
    const push = (stage: Stage, statement: Statement) => batched.set(stage, [...(batched.get(stage) ?? []), statement]);
    for (const chunk of chunks(this.claims, BATCH)) {
      const rows = chunk.map(({ claim }) => `(${[claim.user, claim.host, claim.integration, claim.database].map(literal).join(', ')}, ${claim.owner === null ? 'NULL' : literal(claim.owner)})`);
      push(Stage.Claims, {
        sql: `INSERT INTO ${RECORDS_TABLE} (user, host, integration, db, owner) VALUES ${rows.join(', ')}
          ON DUPLICATE KEY UPDATE integration = VALUES(integration), db = VALUES(db), owner = VALUES(owner)`,
        changes: chunk.map((c) => c.change),
      });
    }
    for (const chunk of chunks(this.creates, BATCH)) {
      push(Stage.Create, { sql: `CREATE USER ${chunk.map((c) => c.clause).join(', ')} REQUIRE SSL ACCOUNT LOCK`, changes: chunk.map((c) => c.change) });
    }
    for (const [head, { accounts, changes }] of this.grants) {
      for (const chunk of chunks(accounts.map((a, i) => [a, changes[i]!] as const), BATCH)) {
        push(Stage.Grant, { sql: `${head} TO ${chunk.map(([a]) => a).join(', ')}`, changes: chunk.map(([, c]) => c) });
      }
    }
    for (const chunk of chunks(this.unlocks, BATCH)) {
      push(Stage.Unlock, { sql: `ALTER USER ${chunk.map((u) => u.account).join(', ')} ACCOUNT UNLOCK`, changes: chunk.map((u) => u.change) });
    }
    const all = [...new Set([...this.stages.keys(), ...batched.keys()])].sort((a, b) => a - b);
    return all.flatMap((stage) => [...(batched.get(stage) ?? []), ...(this.stages.get(stage) ?? [])]);
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function revokeStatement(dialect: Dialect, user: string, host: string, privilege: LivePrivilege | { level: 'default-role' }): string {
  const to = account(user, host);
  const quote = (name: string | null) => ident(name ?? '');
  const revoke = dialect.revoke;
  switch (privilege.level) {
    case 'default-role': return dialect.clearDefaultRole(to);
    case 'global': return `${revoke} ${privilege.privilege}${privilege.grantable ? ', GRANT OPTION' : ''} ON *.* FROM ${to}`;
    case 'column': return `${revoke} ${privilege.privilege} (${quote(privilege.column)}) ON ${quote(privilege.database)}.${quote(privilege.object)} FROM ${to}`;
    case 'routine': {
      // mysql.procs_priv holds a set (`Execute,Alter Routine,Grant`), whose `Grant` is the grant option.
      const privileges = privilege.privilege.split(',').filter((p) => p !== '').map((p) => (p === 'Grant' ? 'GRANT OPTION' : p));
      return `${revoke} ${privileges.join(', ')} ON ${privilege.routineType === 'FUNCTION' ? 'FUNCTION' : 'PROCEDURE'} ${quote(privilege.database)}.${quote(privilege.object)} FROM ${to}`;
    }
    case 'role': return dialect.revokeRole({ user: privilege.object ?? '', host: privilege.objectHost ?? null }, to);
    case 'proxy': return `${revoke} PROXY ON ${privilege.object} FROM ${to}`;
    case 'database':
    case 'table': throw new Error('database and table privileges are grant changes');
  }
}

/** Turns planned changes into statements in the order of `Stage`. */
export function buildStatements(planned: readonly PlannedChange[], dialect: Dialect): Statement[] {
  const steps = new Steps();
  planned.forEach(({ action }, change) => addAction(steps, action, change, dialect));
  return steps.statements();
}

function addAction(steps: Steps, action: Action, change: number, dialect: Dialect): void {
  const revoke = dialect.revoke;
  switch (action.type) {
    case 'create-account': {
      const { claim, auth } = action;
      steps.claim(claim, change);
      steps.create(`${account(claim.user, claim.host)}${auth ? ` ${identifiedClause(auth.plugin, auth.password, dialect.kind)}` : ''}`, change);
      if (action.unlock) steps.unlock(account(claim.user, claim.host), change);
      break;
    }
    case 'alter-account': {
      const name = account(action.user, action.host);
      if (action.claim) steps.claim(action.claim, change);
      if (action.requireSsl) steps.add(Stage.Tighten, `ALTER USER ${name} REQUIRE SSL`, change);
      if (action.lock === true) steps.add(Stage.Tighten, `ALTER USER ${name} ACCOUNT LOCK`, change);
      if (action.auth) steps.add(Stage.Unlock, `ALTER USER ${name} ${identifiedClause(action.auth.plugin, action.auth.password, dialect.kind)}`, change);
      if (action.lock === false) steps.unlock(name, change);
      break;
    }
    case 'grant': {
      const name = account(action.user, action.host);
      if (action.grantOption) steps.add(Stage.Revoke, `${revoke} GRANT OPTION ON ${action.on} FROM ${name}`, change);
      if (action.revoke.length > 0) steps.add(Stage.Revoke, `${revoke} ${action.revoke.join(', ')} ON ${action.on} FROM ${name}`, change);
      if (action.grant.length > 0) steps.grant(action.grant, action.on, name, change);
      break;
    }
    case 'revoke':
      steps.add(Stage.Revoke, revokeStatement(dialect, action.user, action.host, action.privilege), change);
      break;
    case 'drop':
      for (const host of action.accounts) {
        // Revoked first: a revoke reaches open sessions at their next statement, a DROP USER does not.
        steps.add(Stage.Revoke, `${revoke} ALL PRIVILEGES, GRANT OPTION FROM ${account(action.user, host)}`, change);
        steps.add(Stage.Drop, `DROP USER ${account(action.user, host)}`, change);
      }
      for (const id of action.sessions) steps.add(Stage.EndSessions, `KILL CONNECTION ${Number(id)}`, change, true);
      if (action.records.length > 0) {
        steps.add(Stage.Forget, `DELETE FROM ${RECORDS_TABLE} WHERE user = ${literal(action.user)} AND host IN (${action.records.map(literal).join(', ')})`, change);
      }
      break;
    case 'end-sessions':
      for (const id of action.sessions) steps.add(Stage.EndSessions, `KILL CONNECTION ${Number(id)}`, change, true);
      break;
  }
}

/**
 * Each change's outcome as its statements run. Statements commit one by
 * one, so nothing is rolled back: a change is applied once its last
 * statement has run, failed when one of its statements failed, partly
 * applied when the apply stopped after some of them, skipped when none ran.
 */
class Outcomes {
  private readonly remaining: number[];
  private readonly ran: number[];
  private readonly failures = new Map<number, string>();
  private readonly reported = new Set<number>();

  constructor(private readonly planned: readonly PlannedChange[], statements: readonly Statement[], private readonly onOutcome?: (outcome: ChangeOutcome) => void) {
    this.remaining = planned.map(() => 0);
    this.ran = planned.map(() => 0);
    for (const statement of statements) for (const change of new Set(statement.changes)) this.remaining[change]! += 1;
  }

  done(statement: Statement): void {
    for (const change of new Set(statement.changes)) {
      this.remaining[change]! -= 1;
      this.ran[change]! += 1;
      if (this.remaining[change] === 0) this.report(change, { change: this.planned[change]!.change, status: 'applied' });
    }
  }

  fail(statement: Statement, error: string): void {
    for (const change of statement.changes) this.failures.set(change, error);
  }

  result(): ApplyResult {
    const outcomes = this.planned.map(({ change }, i): ChangeOutcome => {
      const failure = this.failures.get(i);
      if (failure !== undefined) {
        return { change, status: 'failed', error: this.ran[i]! > 0 ? `partly applied: ${failure}` : failure };
      }
      if (this.remaining[i] === 0) return { change, status: 'applied' };
      return this.ran[i]! > 0
        ? { change, status: 'failed', error: 'partly applied: the apply stopped before this change was finished; the next plan shows the rest' }
        : { change, status: 'skipped', error: 'not attempted: an earlier step failed' };
    });
    outcomes.forEach((outcome, i) => this.report(i, outcome));
    return { outcomes, ok: outcomes.every((o) => o.status === 'applied') };
  }

  private report(change: number, outcome: ChangeOutcome): void {
    if (this.reported.has(change)) return;
    this.reported.add(change);
    this.onOutcome?.(outcome);
  }
}

async function lock(session: SqlSession, dialect: Dialect, log: (message: string) => void): Promise<void> {
  const take = async (seconds: number) => {
    // The wait is bounded by its own argument, not by the statement bound.
    const [row] = await session.query<{ locked: number | null }>(dialect.lockSql(seconds), [APPLY_LOCK, seconds]);
    return row?.locked === 1;
  };
  try {
    if (await take(0)) return;
    log('mariadb: another dbfence apply is running on this server; waiting for it to finish');
    if (await take(LOCK_WAIT_S)) return;
  } catch (error) {
    throw new ToolError(`mariadb: could not take the apply lock: ${errorMessage(error)}`);
  }
  throw new ToolError(`mariadb: another dbfence apply has held the apply lock for ${LOCK_WAIT_S / 60} min; try again once it has finished`);
}

export interface ApplyContext {
  options: ApplyOptions;
  passwords: (user: DesiredUser) => string | undefined;
  /** Checks a password against an account's stored string (by default, passwordMatches). */
  matches?: PasswordCheck;
  log(message: string): void;
}

/**
 * Apply under the server-wide apply lock: read the live state again, plan
 * again, refuse unacknowledged destructive changes (before any change), then
 * run the statements in the safe order, stopping at the first failure and
 * reporting what ran.
 */
export async function applyDesired(session: SqlSession, desired: MariadbDesiredState, context: ApplyContext): Promise<ApplyResult> {
  const { options, log } = context;
  const dialect = await session.dialect();
  await lock(session, dialect, log);
  try {
    const live = await inspect(session, [desired]);
    const planned = planChanges(desired, live, context.passwords, context.matches);
    if (planned.length === 0) {
      log('mariadb: nothing to change');
      return { outcomes: [], ok: true };
    }
    refuseUnacknowledged(planned.map((p) => p.change), options.allowDestructive);
    const statements = buildStatements(planned, dialect);
    const outcomes = new Outcomes(planned, statements, options.onOutcome);
    log(`mariadb: applying ${planned.length} change${planned.length === 1 ? '' : 's'}`);
    try {
      for (const ddl of RECORDS_DDL) await session.query(ddl);
    } catch (error) {
      throw new ToolError(`mariadb: could not create ${RECORDS_TABLE}, where dbfence records the accounts it manages: ${errorMessage(error)}`);
    }
    for (const statement of statements) {
      try {
        await session.query(statement.sql);
      } catch (error) {
        if (!(statement.kill && errorNumber(error) === NO_SUCH_THREAD)) {
          outcomes.fail(statement, errorMessage(error));
          break;
        }
      }
      outcomes.done(statement);
    }
    return outcomes.result();
  } finally {
    await session.query('SELECT RELEASE_LOCK(?)', [APPLY_LOCK]).catch(() => {});
  }
}
