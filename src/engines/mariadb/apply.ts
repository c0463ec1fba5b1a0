import { ToolError } from '../../errors.js';
import { type Step, StepFailed } from '../../plan/runner.js';
import type { Change } from '../../plan/types.js';
import type { PasswordRef } from '../../providers/types.js';
import { errorMessage, errorNumber, type SqlSession } from './connect.js';
import type { Dialect } from './dialect.js';
import type { Claim, MariadbOperation } from './diff.js';
import { RECORDS_TABLE } from './inspect.js';
import type { LivePrivilege } from './live.js';
import { identifiedClause } from './passwords.js';
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

/**
 * Turns operations into statements in the order of `Stage`, each naming the
 * operations it carries (by index); `password` reads a password secret,
 * whose authentication string is computed here.
 */
export function buildStatements(operations: readonly MariadbOperation[], dialect: Dialect, password: (ref: PasswordRef) => string): Statement[] {
  const steps = new Steps();
  operations.forEach((operation, change) => addOperation(steps, operation, change, dialect, password));
  return steps.statements();
}

function addOperation(steps: Steps, action: MariadbOperation, change: number, dialect: Dialect, password: (ref: PasswordRef) => string): void {
  const revoke = dialect.revoke;
  switch (action.kind) {
    case 'create-account': {
      const { claim, auth } = action;
      steps.claim(claim, change);
      steps.create(`${account(claim.user, claim.host)}${auth ? ` ${identifiedClause(auth.plugin, password(auth.password), dialect.kind)}` : ''}`, change);
      if (action.unlock) steps.unlock(account(claim.user, claim.host), change);
      break;
    }
    case 'alter-account': {
      const name = account(action.user, action.host);
      if (action.claim) steps.claim(action.claim, change);
      if (action.requireSsl) steps.add(Stage.Tighten, `ALTER USER ${name} REQUIRE SSL`, change);
      if (action.lock === true) steps.add(Stage.Tighten, `ALTER USER ${name} ACCOUNT LOCK`, change);
      if (action.auth) steps.add(Stage.Unlock, `ALTER USER ${name} ${identifiedClause(action.auth.plugin, password(action.auth.password), dialect.kind)}`, change);
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

/**
 * Runs `use` holding the lock every dbfence apply on this server takes
 * (GET_LOCK, server-wide), so two applies never interleave; released however
 * `use` ends, and with the connection if it drops.
 */
export async function withApplyLock<T>(session: SqlSession, log: (message: string) => void, use: () => Promise<T>): Promise<T> {
  await lock(session, await session.dialect(), log);
  try {
    return await use();
  } finally {
    await session.query('SELECT RELEASE_LOCK(?)', [APPLY_LOCK]).catch(() => {});
  }
}

export interface StepContext {
  dialect: Dialect;
  /** Reads a password secret. */
  password(ref: PasswordRef): string;
  log(message: string): void;
}

/**
 * The runner's steps for `changes` (the engine's plan, under whatever
 * addresses the provider gives them), on `session`, which holds the apply
 * lock: one step per statement, in the safe order of `Stage`. MariaDB
 * commits each statement by itself (account statements commit implicitly),
 * so no step is a transaction: a change is applied once its last statement
 * ran, partly applied when the apply stopped after some of them. The table
 * of records is created before the first statement.
 */
export function engineSteps(session: SqlSession, changes: readonly Change[], context: StepContext): Step[] {
  const { log } = context;
  const statements = buildStatements(changes.map((change) => change.operation as MariadbOperation), context.dialect, context.password);
  let recordsTableReady = false;
  log(`mariadb: applying ${changes.length} change${changes.length === 1 ? '' : 's'}`);
  return statements.map((statement) => {
    const carried = [...new Set(statement.changes)].map((i) => changes[i]!);
    return {
      changes: carried,
      async run() {
        if (!recordsTableReady) {
          try {
            for (const ddl of RECORDS_DDL) await session.query(ddl);
          } catch (error) {
            throw new StepFailed(`mariadb: could not create ${RECORDS_TABLE}, where dbfence records the accounts it manages: ${errorMessage(error)}`, carried);
          }
          recordsTableReady = true;
        }
        try {
          await session.query(statement.sql);
        } catch (error) {
          if (statement.kill && errorNumber(error) === NO_SUCH_THREAD) return;
          throw new StepFailed(errorMessage(error), carried);
        }
      },
    };
  });
}
