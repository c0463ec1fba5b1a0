import type pg from 'pg';
import { errorMessage, type Session } from '../../engines/postgresql/connect.js';
import { spliceBlock } from './hba.js';
import type { LiveHba } from '../../engines/postgresql/live.js';

const RELOAD_WAIT_MS = 10_000;
const RELOAD_POLL_MS = 50;

/**
 * The first moment a configuration load is sure to have read pg_hba.conf as
 * it is on disk now. PostgreSQL shows no view of the rules it enforces, and
 * pg_stat_file gives the modification time in whole seconds, so a load in the
 * same second as the last write may have come before it.
 */
export const HBA_SETTLED_SQL = "(pg_stat_file(current_setting('hba_file'))).modification + interval '1 second'";

/** pg_hba.conf could not be changed; the file on disk is as it was. */
export class HbaError extends Error {}

/**
 * Writes a server-side file byte for byte. COPY would escape tabs and
 * backslashes of the lines it does not own; a large object exported with
 * lo_export writes exactly the bytes given, and the transaction it lives in
 * is rolled back so it leaves nothing behind. An existing file keeps its mode.
 */
async function writeServerFile(session: Session, client: pg.ClientBase, path: string, text: string): Promise<void> {
  await session.query(client, 'BEGIN');
  try {
    const [row] = await session.query<{ oid: number }>(client, 'SELECT lo_from_bytea(0, $1::bytea) AS oid', [Buffer.from(text, 'utf8')]);
    await session.query(client, 'SELECT lo_export($1::oid, $2)', [row!.oid, path]);
  } finally {
    await session.query(client, 'ROLLBACK');
  }
}

/**
 * Reloads in a later second than the file's last write, so the next plan can
 * tell that the server loaded it. Never waits more than that second: a file
 * dated in the future stays a planned reload rather than a hang.
 */
async function reload(session: Session, client: pg.ClientBase): Promise<string> {
  await session.query(client, `SELECT pg_sleep(LEAST(1, GREATEST(0, EXTRACT(epoch FROM ${HBA_SETTLED_SQL} - clock_timestamp()))))`);
  const [row] = await session.query<{ before: string }>(client, 'SELECT pg_conf_load_time()::text AS before, pg_reload_conf()');
  return row!.before;
}

/**
 * `pg_reload_conf()` only sends a signal. A new connection inherits the
 * configuration time of the postmaster, so one that sees a later time proves
 * the reload happened, and that the server still admits the admin.
 */
async function waitForReload(session: Session, before: string): Promise<void> {
  const deadline = Date.now() + RELOAD_WAIT_MS;
  for (;;) {
    const client = await session.connect(session.server.database);
    try {
      const [row] = await session.query<{ loaded: boolean }>(client, 'SELECT pg_conf_load_time() > $1::timestamptz AS loaded', [before]);
      if (row?.loaded) return;
    } finally {
      await client.end().catch(() => {});
    }
    if (Date.now() > deadline) throw new HbaError('the server did not reload its configuration within 10 s');
    await new Promise((resolve) => setTimeout(resolve, RELOAD_POLL_MS));
  }
}

function lineErrors(text: string, errors: readonly { line: number; error: string }[]): string {
  const lines = text.split('\n');
  return errors.slice(0, 3).map(({ line, error }) => `line ${line} "${lines[line - 1]?.trim() ?? ''}": ${error}`).join('; ');
}

/** The file on disk still holds what inspect read. */
async function unchanged(session: Session, hba: LiveHba): Promise<boolean> {
  const client = await session.connect(session.server.database);
  try {
    const [row] = await session.query<{ text: string }>(client, 'SELECT pg_read_file($1) AS text', [hba.path]);
    return row?.text === hba.text;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface HbaSwap {
  /** False when the file already held the block and only the reload was missing. */
  written: boolean;
  /** Puts the previous file back and reloads, on a connection of its own. */
  restore(): Promise<void>;
}

/**
 * Replaces the dbfence block: writes the new file, has PostgreSQL check every
 * line through pg_hba_file_rules, and only then reloads and waits for the
 * reload. Any failure puts the old file back before it returns. A file that
 * already holds the block (an apply stopped before its reload) is only reloaded.
 */
export async function swapHba(session: Session, hba: LiveHba, block: readonly string[]): Promise<HbaSwap> {
  if (hba.errors.length > 0) {
    throw new HbaError(`pg_hba.conf already has errors (${lineErrors(hba.text, hba.errors)}); fix them before dbfence changes the file`);
  }
  const next = spliceBlock(hba.text, block);
  const written = next !== hba.text;
  const restore = async (): Promise<void> => {
    const client = await session.connect(session.server.database);
    try {
      await writeServerFile(session, client, hba.path, hba.text);
      await reload(session, client);
    } finally {
      await client.end().catch(() => {});
    }
  };
  // A connection of its own: the apply's transaction may be open on the admin one.
  const client = await session.connect(session.server.database);
  try {
    if (written) {
      await writeServerFile(session, client, hba.path, next).catch((error: unknown) => {
        throw new HbaError(`PostgreSQL could not write ${hba.path}: ${errorMessage(error)}`);
      });
      const errors = await session.query<{ line: number; error: string }>(client,
        'SELECT line_number AS line, error FROM pg_hba_file_rules WHERE error IS NOT NULL ORDER BY line_number');
      if (errors.length > 0) throw new HbaError(`PostgreSQL rejects the new pg_hba.conf (${lineErrors(next, errors)})`);
    }
    await waitForReload(session, await reload(session, client));
  } catch (error) {
    // A write the server refused (a read-only or immutable file) changed nothing: say so rather than "restoring".
    if (await unchanged(session, hba).catch(() => false)) throw new HbaError(`${errorMessage(error)}; ${hba.path} is unchanged`);
    try {
      await restore();
    } catch (restoreError) {
      throw new HbaError(`${errorMessage(error)}; restoring the previous pg_hba.conf failed too: ${errorMessage(restoreError)}`);
    }
    throw new HbaError(`${errorMessage(error)}; the previous pg_hba.conf was put back`);
  } finally {
    await client.end().catch(() => {});
  }
  return { written, restore };
}
