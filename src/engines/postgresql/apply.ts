import type pg from 'pg';
import { ToolError } from '../../errors.js';
import { type Step, StepFailed, type StepProgress } from '../../plan/runner.js';
import type { Change } from '../../plan/types.js';
import type { SecretResolver } from '../../providers/types.js';
import { applyCertificate } from '../../edges/pg-hba/certificate.js';
import { resolveProviderCa } from '../../tls/provider-ca.js';
import { errorMessage, type Session } from './connect.js';
import type { DesiredState } from './desired.js';
import type { PostgresqlOperation } from './diff.js';
import { type HbaSwap, swapHba } from '../../edges/pg-hba/hba-file.js';
import { ORPHANED_SESSION_SQL } from './inspect.js';
import type { Passwords } from './passwords.js';
import type { PostgresLive } from './live.js';
import { buildSteps, type Transaction } from './statements.js';

/** 'dbfence' in ASCII as a bigint: the advisory lock every apply on this database takes. */
const APPLY_LOCK = '28254913226794853';
const LOCK_WAIT_MINUTES = 5;
const LOCK_WAIT = `${LOCK_WAIT_MINUTES}min`;
const STATEMENTS_PER_ROUND_TRIP = 100;
const SESSION_END_WAIT_MS = 10_000;

/** A statement failed: the changes it carried (by index), and the server's words. */
class StatementFailure extends Error {
  constructor(readonly changes: number[], cause: unknown) {
    super(errorMessage(cause));
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


/**
 * Runs `use` holding the advisory lock every dbfence apply on this server
 * takes, so two applies never interleave; released however `use` ends.
 */
export async function withApplyLock<T>(session: Session, log: (message: string) => void, use: () => Promise<T>): Promise<T> {
  const admin = await session.admin();
  await lock(session, admin, log);
  try {
    return await use();
  } finally {
    await session.query(admin, 'SELECT pg_advisory_unlock($1::bigint)', [APPLY_LOCK]).catch(() => {});
  }
}

/** Runs one transaction; `beforeCommit` runs inside it, so its failure rolls the SQL back. */
async function runTransaction(
  session: Session, transaction: Transaction, carried: (changes: number[]) => void, beforeCommit?: () => Promise<void>,
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
        throw new StatementFailure(chunk.flatMap((s) => s.changes), error);
      }
      carried(chunk.flatMap((s) => s.changes));
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

export interface StepContext {
  passwords: Passwords;
  secrets: SecretResolver;
  log(message: string): void;
  now(): Date;
}

/**
 * The steps that carry out `changes` (the engine's plan for `live`, under
 * whatever addresses the provider gives them), on `session`: the
 * certificate first (the hostssl lines need TLS), then one transaction on
 * the home database with the pg_hba.conf swap before it commits, one per
 * other database, the DROP ROLE that needed them, and last the end of the
 * dropped roles' sessions.
 */
export function engineSteps(
  session: Session, desired: DesiredState, live: PostgresLive, changes: readonly Change[], context: StepContext,
): Step[] {
  const { log } = context;
  const operations = changes.map((change) => change.operation as PostgresqlOperation);
  const of = (indices: Iterable<number>) => [...new Set(indices)].map((i) => changes[i]!);
  const home = desired.databases.find((d) => live.databases.has(d.name))?.name ?? session.server.database;
  const steps = buildSteps(operations, home, (ref) => context.passwords.resolve(ref));
  const carried = (progress: StepProgress) => (indices: number[]) => progress.carried(of(indices));
  const blame = (error: unknown, all: readonly Change[]): StepFailed =>
    new StepFailed(errorMessage(error), error instanceof StatementFailure ? of(error.changes) : all);
  const result: Step[] = [];
  log(`postgres: applying ${changes.length} change${changes.length === 1 ? '' : 's'}`);

  const certificate = of(operations.flatMap((operation, i) => (operation.kind === 'certificate' ? [i] : [])));
  // Certificate changes are planned only for a self-managed server.
  const selfManaged = desired.selfManaged;
  if (certificate.length > 0 && selfManaged) {
    result.push({
      changes: certificate,
      async run() {
        try {
          const ca = resolveProviderCa(selfManaged, context.secrets, context.now());
          const { host, port } = session.server;
          await applyCertificate(await session.admin(), desired.config, ca, { host, port });
        } catch (error) {
          throw blame(error, certificate);
        }
        log('postgres: server certificate issued, written and reloaded');
      },
    });
  }

  const main = of([...changesOf(steps.main), ...(steps.hba?.changes ?? [])]);
  if (main.length > 0) {
    const hba = steps.hba;
    result.push({
      changes: main,
      transaction: true,
      async run(progress) {
        let swap: HbaSwap | undefined;
        try {
          await runTransaction(session, steps.main, carried(progress), hba && (async () => {
            swap = await swapHba(session, live.hba!, hba.block);
            log(swap.written ? 'postgres: pg_hba.conf checked, written and reloaded' : 'postgres: pg_hba.conf reloaded');
          }));
        } catch (error) {
          // The block was swapped but the transaction did not commit: put the file back.
          if (swap) await swap.restore().catch((restoreError) => log(`postgres: restoring pg_hba.conf failed: ${errorMessage(restoreError)}`));
          throw blame(error, hba && !swap && !(error instanceof StatementFailure) ? of(hba.changes) : main);
        }
      },
    });
  }

  for (const transaction of [...steps.others, ...(steps.final ? [steps.final] : [])]) {
    const own = of(changesOf(transaction));
    result.push({
      changes: own,
      transaction: true,
      async run(progress) {
        try {
          await runTransaction(session, transaction, carried(progress));
        } catch (error) {
          throw blame(error, own);
        }
      },
    });
  }

  const { terminate } = steps;
  if (terminate.oids.length > 0) {
    const ended = of(terminate.changes);
    result.push({
      changes: ended,
      async run() {
        try {
          await endSessions(session, terminate.oids);
        } catch (error) {
          log(`postgres: ending the sessions of dropped roles failed: ${errorMessage(error)}`);
          throw blame(error, ended);
        }
      },
    });
  }
  return result;
}

/**
 * Last, once every DROP ROLE committed: ends the sessions of the roles just
 * dropped and of those a stopped apply dropped before. Only sessions whose
 * role is gone, so an oid the server has given to a new role is left alone.
 */
async function endSessions(session: Session, oids: readonly number[]): Promise<void> {
  const admin = await session.admin();
  // MATERIALIZED: the filter runs before pg_terminate_backend, whatever order the planner likes.
  const [row] = await session.query<{ pids: number[] }>(admin, `
    WITH gone AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE usesysid = ANY($1::oid[]) AND ${ORPHANED_SESSION_SQL})
    SELECT coalesce(array_agg(pid), '{}') AS pids FROM gone WHERE pg_terminate_backend(pid)`, [oids]);
  // pg_terminate_backend only signals: wait until they are gone, so the next plan sees them ended.
  const deadline = Date.now() + SESSION_END_WAIT_MS;
  for (let pids = row?.pids ?? []; pids.length > 0;) {
    pids = (await session.query<{ pid: number }>(admin, 'SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids])).map((r) => r.pid);
    if (pids.length === 0) break;
    if (Date.now() > deadline) throw new Error(`sessions ${pids.join(', ')} were told to end but are still open after ${SESSION_END_WAIT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
