// PostgreSQL's TLS settings: as loaded, as the configuration files would set them, and written with ALTER SYSTEM.
import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { ToolError } from '../../errors.js';

export type Setting = 'ssl' | 'ssl_cert_file' | 'ssl_key_file' | 'ssl_min_protocol_version';
export const SETTINGS: readonly Setting[] = ['ssl', 'ssl_cert_file', 'ssl_key_file', 'ssl_min_protocol_version'];

const RELOAD_TIMEOUT_MS = 10_000;

/** Compares two values of a setting as PostgreSQL reads them: booleans in any spelling, paths from the data directory. */
export function sameSetting(name: Setting, a: string, b: string, dataDirectory: string): boolean {
  const canonical = (value: string): string => {
    if (name === 'ssl') return /^(on|true|yes|1)$/i.test(value.trim()) ? 'on' : 'off';
    if (name === 'ssl_min_protocol_version') return value.trim().toLowerCase();
    return posix.resolve(dataDirectory, value);
  };
  return canonical(a) === canonical(b);
}

/**
 * The loaded settings, and what the next reload would load: the last entry
 * of the configuration files (pg_file_settings), or the default once a file
 * no longer sets it. A value from the command line outranks the files.
 */
const SETTINGS_SQL = `
SELECT s.name, s.setting,
       CASE WHEN s.source IN ('default', 'environment variable', 'configuration file') THEN
         COALESCE((SELECT CASE WHEN f.error IS NULL THEN f.setting ELSE s.setting END
                   FROM pg_file_settings f WHERE f.name = s.name ORDER BY f.seqno DESC LIMIT 1),
                  CASE WHEN s.source = 'configuration file' THEN s.boot_val ELSE s.setting END)
       ELSE s.setting END AS next
FROM pg_settings s WHERE s.name = ANY($1)`;

export async function readSettings(client: pg.ClientBase): Promise<{ loaded: Record<string, string>; next: Record<string, string> }> {
  const { rows } = await client.query<{ name: string; setting: string; next: string }>(SETTINGS_SQL, [[...SETTINGS, 'data_directory']]);
  const loaded = Object.fromEntries(rows.map((row) => [row.name, row.setting]));
  if (loaded.data_directory === undefined) {
    throw new ToolError('the server hides data_directory: reading the TLS configuration needs a superuser or pg_read_all_settings');
  }
  return { loaded, next: Object.fromEntries(rows.map((row) => [row.name, row.next])) };
}

export async function alterSystem(client: pg.ClientBase, name: Setting, value: string | undefined): Promise<void> {
  await client.query(value === undefined ? `ALTER SYSTEM RESET ${name}` : `ALTER SYSTEM SET ${name} = ${client.escapeLiteral(value)}`);
}

/**
 * Sends SIGHUP and waits until this session has re-read the configuration.
 * The postmaster signals sessions from the same step that reloads TLS, and
 * accepts no new connection before finishing it, so a handshake started
 * afterwards sees the result.
 */
export async function reloadConfiguration(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ loaded: string }>('SELECT pg_conf_load_time()::text AS loaded, pg_reload_conf()');
  const before = rows[0]!.loaded;
  const deadline = Date.now() + RELOAD_TIMEOUT_MS;
  for (;;) {
    const check = await client.query<{ reloaded: boolean }>('SELECT pg_conf_load_time() > $1::timestamptz AS reloaded', [before]);
    if (check.rows[0]?.reloaded) return;
    if (Date.now() > deadline) throw new Error(`the server did not reload its configuration within ${RELOAD_TIMEOUT_MS / 1000} s`);
    await sleep(25);
  }
}
