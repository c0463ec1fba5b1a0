import type pg from 'pg';
import { ToolError } from '../../errors.js';
import { refuseUnacknowledged } from '../../plan/acknowledge.js';
import type { ApplyResult, ChangeOutcome } from '../../plan/types.js';
import type { ApplyOptions, SecretResolver } from '../../providers/types.js';
import { applyCertificate } from '../../edges/pg-hba/certificate.js';
import { resolveProviderCa } from '../../tls/provider-ca.js';
import { errorMessage, type Session } from './connect.js';
import type { DesiredState } from './desired.js';
import { type PlannedChange, planChanges } from './diff.js';
import { type HbaSwap, swapHba } from '../../edges/pg-hba/hba-file.js';
import { inspect, ORPHANED_SESSION_SQL } from './inspect.js';
import type { Passwords } from './passwords.js';
import type { PostgresLive } from './live.js';
import { type ApplySteps, buildSteps, type Transaction } from './statements.js';

/** 'dbfence' in ASCII as a bigint: the advisory lock every apply on this database takes. */
const APPLY_LOCK = '28254913226794853';
const LOCK_WAIT_MINUTES = 5;
const LOCK_WAIT = `${LOCK_WAIT_MINUTES}min`;
const STATEMENTS_PER_ROUND_TRIP = 100;
const SESSION_END_WAIT_MS = 10_000;

/** A statement failed: the changes it carried, and the server's words. */
class StepFailure extends Error {
  constructor(readonly changes: number[], cause: unknown) {
    super(errorMessage(cause));
  }
}

/**
 * The outcome of each change across the transactions it spans (a drop
 * touches several databases): applied only once every part committed.
 */
class Outcomes {
  private readonly parts: number[];
  private readonly committed: number[];
  private readonly failures = new Map<number, { status: 'failed' | 'rolled-back'; error: string }>();
  /** Changes whose outcome went to `onOutcome` already: every part committed. */
  private readonly reported = new Set<number>();
  /** Changes whose statements ran in a transaction that has not committed. */
  private readonly carried = new Set<number>();

  constructor(private readonly planned: readonly PlannedChange[], private readonly progress: Pick<ApplyOptions, 'onOutcome' | 'onPending'> = {}) {
    this.parts = planned.map(() => 0);
    this.committed = planned.map(() => 0);
  }

  expect(changes: Iterable<number>): void {
    for (const change of new Set(changes)) this.parts[change]! += 1;
  }

  carriedOut(changes: Iterable<number>): void {
    for (const change of changes) this.carried.add(change);
    this.progress.onPending?.(this.carried.size);
  }

  commit(changes: Iterable<number>): void {
    const committed = new Set(changes);
    for (const change of committed) {
      this.carried.delete(change);
      this.committed[change]! += 1;
    }
    this.progress.onPending?.(this.carried.size);
    for (const change of committed) {
      // Its last part committed: applied, and nothing later can change that.
      if (this.committed[change] === this.parts[change] && !this.failures.has(change)) this.report(change, { change: this.planned[change]!.change, status: 'applied' });
    }
  }

  fail(changes: Iterable<number>, status: 'failed' | 'rolled-back', error: string): void {
    for (const change of changes) if (!this.failures.has(change)) this.failures.set(change, { status, error });
  }

  result(): ApplyResult {
    const outcomes = this.planned.map(({ change }, i): ChangeOutcome => {
      const failure = this.failures.get(i);
      const partly = this.committed[i]! > 0;
      if (failure) {
        return partly
          ? { change, status: 'failed', error: `partly applied: ${failure.error}` }
          : { change, status: failure.status, error: failure.error };
      }
      if (this.parts[i]! > 0 && this.committed[i] === this.parts[i]) return { change, status: 'applied' };
      return partly
        ? { change, status: 'failed', error: 'partly applied: the apply stopped before this change was finished' }
        : { change, status: 'skipped', error: 'not attempted: an earlier step failed' };
    });
    if (this.carried.size > 0) {
      this.carried.clear(); // rolled back: no longer awaiting a commit
      this.progress.onPending?.(0);
    }
    outcomes.forEach((outcome, i) => this.report(i, outcome));
    return { outcomes, ok: outcomes.every((o) => o.status === 'applied') };
  }

  private report(change: number, outcome: ChangeOutcome): void {
    if (this.reported.has(change)) return;
    this.reported.add(change);
    this.progress.onOutcome?.(outcome);
  }
}

async function lock(session: Session, admin: pg.Client, log: (message: string) => void): Promise<void> {
  let waited = false;
  try {
    const [row] = await session.query<{ locked: boolean }>(admin, 'SELECT pg_try_advisory_lock($1::bigint) AS locked', [APPLY_LOCK]);
    if (row?.locked) return;
    log('postgres: another dbfence apply is running; waiting for it to finish');
    waited = true;
    // Only lock_timeout bounds this wait, on the server and (a little later) in the client.
    await session.query(admin, `SET lock_timeout = '${LOCK_WAIT}'; SET statement_timeout = 0`);
    await session.query(admin, 'SELECT pg_advisory_lock($1::bigint)', [APPLY_LOCK], (LOCK_WAIT_MINUTES + 1) * 60_000);
  } catch (error) {
    if ((error as { code?: string }).code === '55P03') {
      throw new ToolError(`postgres: another dbfence apply has held the apply lock for ${LOCK_WAIT}; try again once it has finished`);
    }
    // The connection may have dropped: a session lock dies with it, so nothing is left held.
    throw new ToolError(`postgres: could not take the apply lock: ${errorMessage(error)}`);
  } finally {
    if (waited) await session.query(admin, 'RESET lock_timeout; RESET statement_timeout').catch(() => {});
  }
}

/** Runs one transaction; `beforeCommit` runs inside it, so its failure rolls the SQL back. */
async function runTransaction(
  session: Session, transaction: Transaction, outcomes: Outcomes, beforeCommit?: () => Promise<void>,
): Promise<void> {
  const client = await session.database(transaction.database);
  await session.query(client, 'BEGIN');
  try {
    // A backend notices a client that died only when it next talks to it; one waiting on a lock would hold
    // the apply lock for the rest of lock_timeout. From PostgreSQL 14 it checks the connection meanwhile.
    await session.query(client, `SELECT CASE WHEN current_setting('server_version_num')::int >= 140000
      THEN set_config('client_connection_check_interval', '2s', true) END`);
    for (let i = 0; i < transaction.statements.length; i += STATEMENTS_PER_ROUND_TRIP) {
      const chunk = transaction.statements.slice(i, i + STATEMENTS_PER_ROUND_TRIP);
      try {
        await session.exec(client, chunk.map((s) => s.sql));
      } catch (error) {
        throw new StepFailure(chunk.flatMap((s) => s.changes), error);
      }
      outcomes.carriedOut(chunk.flatMap((s) => s.changes));
    }
    await beforeCommit?.();
    await session.query(client, 'COMMIT');
    // One open connection per database touched would exhaust max_connections on a server with many.
    if (transaction.database !== session.server.database) session.discard(transaction.database);
  } catch (error) {
    // On a connection the server ended, ROLLBACK fails too: the server has rolled back already.
    await session.query(client, 'ROLLBACK').catch(() => session.discard(transaction.database));
    throw error;
  }
}

function changesOf(transaction: Transaction | undefined): number[] {
  return transaction ? transaction.statements.flatMap((s) => s.changes) : [];
}

function mainChanges(steps: ApplySteps): number[] {
  return [...changesOf(steps.main), ...(steps.hba?.changes ?? [])];
}

function laterTransactions(steps: ApplySteps): Transaction[] {
  return [...steps.others, ...(steps.final ? [steps.final] : [])];
}

/** First, as the hostssl lines need TLS: the certificate part issues, writes, reloads and verifies, or restores. */
async function certificateStep(
  session: Session, desired: DesiredState, context: ApplyContext, planned: readonly PlannedChange[], outcomes: Outcomes,
): Promise<boolean> {
  const changes = planned.flatMap((p, i) => (p.action.type === 'certificate' ? [i] : []));
  // Certificate changes are planned only for a self-managed server.
  if (changes.length === 0 || !desired.selfManaged) return true;
  try {
    const ca = resolveProviderCa(desired.selfManaged, context.secrets, context.now());
    const { host, port } = session.server;
    await applyCertificate(await session.admin(), desired.config, ca, { host, port });
  } catch (error) {
    outcomes.fail(changes, 'failed', errorMessage(error));
    return false;
  }
  outcomes.commit(changes);
  context.log('postgres: server certificate issued, written and reloaded');
  return true;
}

/** Roles, database grants, the home database's grants and the pg_hba.conf swap: all or nothing. */
async function mainStep(session: Session, live: PostgresLive, steps: ApplySteps, outcomes: Outcomes, log: (message: string) => void): Promise<boolean> {
  const changes = mainChanges(steps);
  if (changes.length === 0) return true;
  let swap: HbaSwap | undefined;
  try {
    await runTransaction(session, steps.main, outcomes, steps.hba && (async () => {
      swap = await swapHba(session, live.hba!, steps.hba!.block);
      log(swap.written ? 'postgres: pg_hba.conf checked, written and reloaded' : 'postgres: pg_hba.conf reloaded');
    }));
  } catch (error) {
    // The block was swapped but the transaction did not commit: put the file back.
    if (swap) await swap.restore().catch((restoreError) => log(`postgres: restoring pg_hba.conf failed: ${errorMessage(restoreError)}`));
    const failed = error instanceof StepFailure ? error.changes : steps.hba && !swap ? steps.hba.changes : changes;
    outcomes.fail(failed, 'failed', errorMessage(error));
    outcomes.fail(changes, 'rolled-back', `rolled back: ${errorMessage(error)}`);
    return false;
  }
  outcomes.commit(changes);
  return true;
}

/** The other databases' grants and drop clean-ups, then the DROP ROLE that needed them: one transaction each. */
async function databaseSteps(session: Session, steps: ApplySteps, outcomes: Outcomes): Promise<boolean> {
  for (const transaction of laterTransactions(steps)) {
    const changes = changesOf(transaction);
    try {
      await runTransaction(session, transaction, outcomes);
    } catch (error) {
      outcomes.fail(error instanceof StepFailure ? error.changes : changes, 'failed', errorMessage(error));
      outcomes.fail(changes, 'rolled-back', `rolled back: ${errorMessage(error)}`);
      return false;
    }
    outcomes.commit(changes);
  }
  return true;
}

/**
 * Last, once every DROP ROLE committed: ends the sessions of the roles just
 * dropped and of those a stopped apply dropped before. Only sessions whose
 * role is gone, so an oid the server has given to a new role is left alone.
 */
async function endSessions(session: Session, admin: pg.Client, terminate: ApplySteps['terminate'], outcomes: Outcomes, log: (message: string) => void): Promise<void> {
  try {
    // MATERIALIZED: the filter runs before pg_terminate_backend, whatever order the planner likes.
    const [row] = await session.query<{ pids: number[] }>(admin, `
      WITH gone AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE usesysid = ANY($1::oid[]) AND ${ORPHANED_SESSION_SQL})
      SELECT coalesce(array_agg(pid), '{}') AS pids FROM gone WHERE pg_terminate_backend(pid)`, [terminate.oids]);
    // pg_terminate_backend only signals: wait until they are gone, so the next plan sees them ended.
    const deadline = Date.now() + SESSION_END_WAIT_MS;
    for (let pids = row?.pids ?? []; pids.length > 0;) {
      pids = (await session.query<{ pid: number }>(admin, 'SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids])).map((r) => r.pid);
      if (pids.length === 0) break;
      if (Date.now() > deadline) throw new Error(`sessions ${pids.join(', ')} were told to end but are still open after ${SESSION_END_WAIT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    outcomes.commit(terminate.changes);
  } catch (error) {
    log(`postgres: ending the sessions of dropped roles failed: ${errorMessage(error)}`);
    outcomes.fail(terminate.changes, 'failed', errorMessage(error));
  }
}

export interface ApplyContext {
  passwords: Passwords;
  secrets: SecretResolver;
  options: ApplyOptions;
  log(message: string): void;
  now(): Date;
  /** The CA certificate, to tell whether the served certificate is ours; undefined without provider.ca. */
  caCertificate: { certificatePem: string } | undefined;
}

/**
 * Apply under the advisory lock: read the live state again, plan again,
 * refuse unacknowledged destructive changes (before any change), then carry the plan out so that
 * what cannot finish is rolled back and reported. The certificate goes first
 * (the hostssl lines need TLS), then the SQL and pg_hba.conf together.
 */
export async function applyDesired(session: Session, desired: DesiredState, context: ApplyContext): Promise<ApplyResult> {
  const { options, log } = context;
  const admin = await session.admin();
  await lock(session, admin, log);
  try {
    const live = await inspect(session, [desired], context.caCertificate ? { ca: context.caCertificate } : {});
    await context.passwords.check(desired.roles, live.roles);
    const planned = planChanges(desired, live, context.passwords, context.now());
    if (planned.length === 0) {
      log('postgres: nothing to change');
      return { outcomes: [], ok: true };
    }
    refuseUnacknowledged(planned.map((p) => p.change), options.allowDestructive);
    const outcomes = new Outcomes(planned, options);
    const steps = buildSteps(planned, desired.databases.find((d) => live.databases.has(d.name))?.name ?? session.server.database);
    outcomes.expect(planned.flatMap((p, i) => (p.action.type === 'certificate' ? [i] : [])));
    outcomes.expect(mainChanges(steps));
    laterTransactions(steps).forEach((transaction) => outcomes.expect(changesOf(transaction)));
    outcomes.expect(steps.terminate.changes);
    log(`postgres: applying ${planned.length} change${planned.length === 1 ? '' : 's'}`);
    const done = await certificateStep(session, desired, context, planned, outcomes)
      && await mainStep(session, live, steps, outcomes, log)
      && await databaseSteps(session, steps, outcomes);
    if (done && steps.terminate.oids.length > 0) await endSessions(session, admin, steps.terminate, outcomes, log);
    return outcomes.result();
  } finally {
    await session.query(admin, 'SELECT pg_advisory_unlock($1::bigint)', [APPLY_LOCK]).catch(() => {});
  }
}
