import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import ipaddr from 'ipaddr.js';
import { ToolError } from '../../errors.js';

/** Every wait on the server is bounded; these are the bounds when the URL does not set them. */
const DEFAULT_TIMEOUTS: Timeouts = {
  connectMs: 10_000,
  statementMs: 120_000,
  lockMs: 60_000,
  idleInTransactionMs: 120_000,
};
/** The client gives up this long after the server should have cancelled a statement itself. */
const CLIENT_GRACE_MS = 30_000;
/** TCP keepalive probes start after this much silence, so a vanished server or route is noticed. */
export const KEEPALIVE_IDLE_MS = 30_000;

export interface Timeouts {
  /** Until the server has accepted the login (`connect_timeout`). */
  connectMs: number;
  /** One statement, cancelled by the server (`statement_timeout`); 0 turns it off. */
  statementMs: number;
  /** One lock wait, cancelled by the server (`lock_timeout`); 0 turns it off. */
  lockMs: number;
  /** A transaction left idle, ended by the server (`idle_in_transaction_session_timeout`); 0 turns it off. */
  idleInTransactionMs: number;
}

/** The admin URL taken apart: what `pg` needs, and nothing echoed from the secret in any message. */
export interface AdminUrl {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  /** false: plain, only to a loopback address or a Unix socket; otherwise the TLS options of a verify-full connection. */
  ssl: false | ConnectionOptions;
  /** The URL's own `options` (`-c name=value …`), sent after dbfence's defaults so they win. */
  options: string | undefined;
  timeouts: Timeouts;
  /** How long the client waits for an answer before it gives up on the connection: the server's bound plus a grace. */
  queryTimeoutMs: number | undefined;
}

const PARAMETERS = new Set([
  'host', 'port', 'user', 'password', 'dbname', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'connect_timeout', 'options',
]);
const NOT_A_URL = 'provider.adminUrl is not a valid postgres:// connection URL';

/**
 * Parses the admin URL as libpq would, but stricter where a mistake would
 * leak or weaken something: a `#` (which a URL parser reads as the start of
 * a fragment, cutting a password short) or an `@` after the host (a password
 * with an unencoded `/` or `?`) is refused, unknown parameters are
 * refused, and the connection is verified TLS unless `sslmode=disable`
 * names a loopback address or a Unix socket. No message repeats any part of
 * the URL but the host, port, user, database and file names.
 */
export function parseAdminUrl(text: string, where = 'provider.adminUrl'): AdminUrl {
  try {
    return parse(text);
  } catch (error) {
    // Every message names the setting first; an Aptible database's own admin URL is `databases[n].adminUrl`.
    if (error instanceof ToolError && where !== 'provider.adminUrl') throw new ToolError(error.message.replace(/^provider\.adminUrl/, where));
    throw error;
  }
}

function parse(text: string): AdminUrl {
  if (text.includes('#')) {
    throw new ToolError(`${NOT_A_URL}: it contains "#", which ends a URL; percent-encode it as %23 (in a password, for example)`);
  }
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ToolError(NOT_A_URL);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new ToolError(NOT_A_URL);
  // `user:12/34@host` parses as host `user`, port 12 and database `34@host`: the password would show as an address.
  if ((url.pathname + url.search).includes('@')) {
    throw new ToolError(`${NOT_A_URL}: an "@" follows the host; percent-encode "/", "?", "#" and "@" in the user name and password (%2F, %3F, %23, %40)`);
  }
  for (const name of url.searchParams.keys()) {
    if (!PARAMETERS.has(name)) throw new ToolError(`${NOT_A_URL}: dbfence does not know the parameter "${name}"`);
  }
  const param = (name: string): string | undefined => url.searchParams.get(name) ?? undefined;
  const host = param('host') ?? (decode(url.hostname).replace(/^\[(.*)\]$/, '$1') || 'localhost');
  const portText = param('port') ?? (url.port || '5432');
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65_535) throw new ToolError(`${NOT_A_URL}: the port is not a number from 1 to 65535`);
  const user = param('user') ?? decode(url.username);
  if (!user) throw new ToolError(`${NOT_A_URL}: it names no user`);
  const password = param('password') ?? (url.password ? decode(url.password) : undefined);
  const database = param('dbname') ?? (decode(url.pathname.replace(/^\//, '')) || user);
  const options = param('options');
  const timeouts = timeoutsOf(options, param('connect_timeout'));
  return {
    host, port, user, password, database, options, timeouts,
    ssl: tlsOf(url.searchParams, host),
    queryTimeoutMs: timeouts.statementMs > 0 ? timeouts.statementMs + Math.min(timeouts.statementMs, CLIENT_GRACE_MS) : undefined,
  };
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ToolError(`${NOT_A_URL}: a %-escape in it is malformed`);
  }
}

/** 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) or the name localhost. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (!ipaddr.isValid(host)) return false;
  return ipaddr.process(host).range() === 'loopback';
}

function tlsOf(params: URLSearchParams, host: string): false | ConnectionOptions {
  const mode = params.get('sslmode') ?? 'verify-full';
  if (mode === 'disable') {
    if (host.startsWith('/') || isLoopback(host)) return false;
    throw new ToolError(`provider.adminUrl: sslmode=disable is accepted only for a loopback address or a Unix socket, not ${host}: over a network the superuser password and the server's new private key need verified TLS (sslmode=verify-full)`);
  }
  if (mode !== 'verify-full') {
    const why = mode === 'allow' || mode === 'prefer'
      ? 'falls back to a plain connection'
      : mode === 'require' || mode === 'verify-ca' ? 'does not check the server\'s host name' : 'is not an sslmode';
    throw new ToolError(`provider.adminUrl: sslmode=${mode} ${why}; dbfence needs sslmode=verify-full (or sslmode=disable to a loopback address or a Unix socket)`);
  }
  if (host.startsWith('/')) {
    throw new ToolError(`provider.adminUrl: a Unix socket (${host}) carries no TLS; say sslmode=disable`);
  }
  const rootCert = params.get('sslrootcert');
  const cert = params.get('sslcert');
  const key = params.get('sslkey');
  if ((cert === null) !== (key === null)) throw new ToolError('provider.adminUrl: sslcert and sslkey go together; give both or neither');
  return {
    rejectUnauthorized: true,
    // Without sslrootcert, or with libpq's `system`, Node's own CA list (and NODE_EXTRA_CA_CERTS) is the trust store.
    ...(rootCert !== null && rootCert !== 'system' ? { ca: readUrlFile('sslrootcert', rootCert) } : {}),
    ...(cert !== null && key !== null ? { cert: readUrlFile('sslcert', cert), key: readUrlFile('sslkey', key) } : {}),
  };
}

function readUrlFile(parameter: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${code ?? 'error'})`;
    throw new ToolError(`provider.adminUrl: the ${parameter} file ${path} ${why}`);
  }
}

/** dbfence's bounds, overridden by `-c name=value` in the URL's `options` and by `connect_timeout` (seconds, as for libpq). */
function timeoutsOf(options: string | undefined, connectTimeout: string | undefined): Timeouts {
  const timeouts = { ...DEFAULT_TIMEOUTS };
  if (connectTimeout !== undefined) {
    if (!/^\d+$/.test(connectTimeout) || Number(connectTimeout) === 0) {
      throw new ToolError('provider.adminUrl: connect_timeout is a whole number of seconds above 0');
    }
    timeouts.connectMs = Number(connectTimeout) * 1000;
  }
  const settings: Record<string, keyof Timeouts> = {
    statement_timeout: 'statementMs', lock_timeout: 'lockMs', idle_in_transaction_session_timeout: 'idleInTransactionMs',
  };
  for (const match of (options ?? '').matchAll(/(?:-c\s*|--)([a-z_]+)=(\S*)/g)) {
    const field = settings[match[1]!];
    if (field) timeouts[field] = durationMs(match[1]!, match[2]!);
  }
  return timeouts;
}

const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** A PostgreSQL time setting (`90s`, `2min`, `500`, which means milliseconds) in milliseconds. */
function durationMs(name: string, value: string): number {
  const match = /^'?(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?'?$/.exec(value);
  if (!match) throw new ToolError(`provider.adminUrl: ${name} in options is not a time such as 30s or 2min`);
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']!);
}

/** "2 min", "30 s", "500 ms": for messages. */
export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
