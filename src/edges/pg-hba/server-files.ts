// Files on the PostgreSQL server, read and written over SQL: the TLS certificate and its key.
import { closeSync, fchownSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import type pg from 'pg';
import { ToolError } from '../../errors.js';

/**
 * A file's text, or null when it does not exist. `pg_read_file(path,
 * missing_ok)` exists only from PostgreSQL 16; the four-argument form with
 * the size from `pg_stat_file` reads the whole file on 13 and later.
 */
export async function readServerFile(client: pg.ClientBase, path: string): Promise<string | null> {
  try {
    const { rows } = await client.query<{ content: string | null }>(
      'SELECT pg_read_file($1, 0, s.size, true) AS content FROM pg_stat_file($1, true) s', [path],
    );
    return rows[0]?.content ?? null;
  } catch (error) {
    const privilege = (error as { code?: string }).code === '42501' ? ' (reading the TLS files needs a superuser or pg_read_server_files)' : '';
    throw new ToolError(`cannot read ${path} on the server: ${(error as Error).message}${privilege}`);
  }
}

/**
 * The server runs on this machine when its postmaster.pid, read here and
 * over SQL, agree on the process id, data directory, start time and port.
 */
export async function dataDirectoryIsLocal(client: pg.ClientBase, dataDirectory: string): Promise<boolean> {
  let here: string;
  try {
    here = readFileSync(posix.join(dataDirectory, 'postmaster.pid'), 'utf8');
  } catch {
    return false;
  }
  const { rows } = await client.query<{ pid: string }>("SELECT pg_read_file('postmaster.pid') AS pid");
  const head = (text: string): string => text.split('\n').slice(0, 4).join('\n');
  return head(here) === head(rows[0]?.pid ?? '');
}

/**
 * Writes the new private key so that no file ever holds it readable by
 * others, not even for a moment. Here, dbfence creates an empty file with
 * mode 0600 (or checks the existing one) before COPY fills it in place.
 * On a server elsewhere this process cannot see or set a file's mode, so the
 * server's own shell writes the key (`COPY … TO PROGRAM`, umask 077) to a
 * new file and renames it over the old one, whatever mode that had.
 */
export async function writeKeyFile(client: pg.ClientBase, path: string, keyPem: string, dataDirectory: string, local: boolean): Promise<void> {
  if (!local) {
    const fresh = `${path}.dbfence-new`;
    await writeServerFile(client, path, keyPem, `umask 077 && cat > ${shellWord(fresh)} && mv -f ${shellWord(fresh)} ${shellWord(path)}`);
    return;
  }
  let mode: { mode: number; uid: number } | undefined;
  try {
    mode = statSync(path);
  } catch {
    createPrivateFile(path, dataDirectory);
  }
  // PostgreSQL's own rule: no group or other access, or group read when root owns the file.
  if (mode && (mode.mode & 0o077) !== 0 && !(mode.uid === 0 && (mode.mode & 0o037) === 0)) {
    throw new Error(`the key file ${path} is readable by others (mode ${(mode.mode & 0o777).toString(8)}); make it 0600`);
  }
  await writeServerFile(client, path, keyPem);
}

/** One word for `sh`, whatever the path holds. */
function shellWord(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** An empty file only the server's user can read, ready for COPY to fill. */
function createPrivateFile(path: string, dataDirectory: string): void {
  const owner = statSync(dataDirectory);
  const fd = openSync(path, 'wx', 0o600);
  try {
    fchownSync(fd, owner.uid, owner.gid);
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a text file on the server with COPY TO, one line per row. The text
 * travels as a bind parameter into a transaction-local setting, with
 * parameter logging off, so it reaches neither the statement text nor the
 * server log. With `program`, COPY pipes the lines to that `sh` command,
 * which writes `path` itself.
 */
export async function writeServerFile(client: pg.ClientBase, path: string, text: string, program?: string): Promise<void> {
  const content = text.replace(/\r/g, '').replace(/\n$/, '');
  // COPY's text format would escape these, and PEM never contains them.
  if (/[\\\t]/.test(content)) throw new Error(`refusing to write ${path}: the content holds a backslash or a tab`);
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL log_parameter_max_length = 0');
    await client.query('SET LOCAL log_parameter_max_length_on_error = 0');
    await client.query("SELECT set_config('dbfence.file_content', $1, true)", [content]);
    await client.query(
      `COPY (SELECT unnest(string_to_array(current_setting('dbfence.file_content'), E'\\n'))) TO ${program === undefined ? client.escapeLiteral(path) : `PROGRAM ${client.escapeLiteral(program)}`}`,
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new Error(`cannot write ${path} on the server: ${(error as Error).message}`);
  }
}
