import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { rootCertificates, type ConnectionOptions } from 'node:tls';
import { ToolError } from '../../errors.js';
import { isLoopback } from '../postgresql/admin-url.js';

/** Every wait on the server is bounded; these are the bounds when the URL does not set them. */
export const TIMEOUTS = {
  /** Until the server has accepted the login. */
  connectMs: 10_000,
  /** One statement (`max_statement_time`, and metadata/row lock waits), cancelled by the server. */
  statementMs: 120_000,
  /** The client drops a connection that has been silent this long: longer than any wait the server bounds. */
  socketMs: 180_000,
} as const;

/** What the engine trusts for the admin connection's TLS, besides an `ssl-ca` file in the URL. */
export interface Trust {
  /** A CA certificate (PEM) the server's certificate chains to: the provider's own CA. */
  caPem?: () => string | undefined;
  /** The system trust store (a public CA, as SkySQL's); also used when nothing else is given. */
  system?: boolean;
}

/** The admin URL taken apart: what the driver needs, and nothing of the secret echoed in any message. */
export interface AdminUrl {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  /** false: plain, only to a loopback address; otherwise verified TLS, the host name checked. */
  ssl: false | ConnectionOptions;
  connectTimeoutMs: number;
}

const PARAMETERS = new Set(['ssl-mode', 'ssl-ca', 'connect-timeout']);

/**
 * Parses a `mariadb://` or `mysql://` admin URL strictly: a `#` or an `@`
 * after the host (an unencoded character in the password) is refused, as are
 * unknown parameters; TLS is verified with the host name checked unless
 * `ssl-mode=DISABLED` names a loopback address. Messages name the setting
 * (`where`) and never repeat the password.
 */
export function parseAdminUrl(text: string, where: string, trust: Trust = {}): AdminUrl {
  const invalid = `${where} is not a valid mariadb:// (or mysql://) connection URL`;
  if (text.includes('#')) throw new ToolError(`${invalid}: it contains "#", which ends a URL; percent-encode it as %23 (in a password, for example)`);
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ToolError(invalid);
  }
  if (url.protocol !== 'mariadb:' && url.protocol !== 'mysql:') throw new ToolError(invalid);
  if ((url.pathname + url.search).includes('@')) {
    throw new ToolError(`${invalid}: an "@" follows the host; percent-encode "/", "?", "#" and "@" in the user name and password (%2F, %3F, %23, %40)`);
  }
  for (const name of url.searchParams.keys()) {
    if (!PARAMETERS.has(name)) throw new ToolError(`${invalid}: dbfence does not know the parameter "${name}" (it knows ${[...PARAMETERS].join(', ')})`);
  }
  const decode = (part: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new ToolError(`${invalid}: a %-escape in it is malformed`);
    }
  };
  const host = decode(url.hostname).replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new ToolError(`${invalid}: it names no host`);
  const portText = url.port || '3306';
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65_535) throw new ToolError(`${invalid}: the port is not a number from 1 to 65535`);
  const user = decode(url.username);
  if (!user) throw new ToolError(`${invalid}: it names no user`);
  const password = url.password ? decode(url.password) : undefined;
  const timeoutText = url.searchParams.get('connect-timeout');
  if (timeoutText !== null && (!/^\d+$/.test(timeoutText) || Number(timeoutText) === 0)) {
    throw new ToolError(`${where}: connect-timeout is a whole number of seconds above 0`);
  }
  return {
    host, port, user, password,
    ssl: tlsOf(url.searchParams, host, where, trust),
    connectTimeoutMs: timeoutText === null ? TIMEOUTS.connectMs : Number(timeoutText) * 1000,
  };
}

function tlsOf(params: URLSearchParams, host: string, where: string, trust: Trust): false | ConnectionOptions {
  const mode = (params.get('ssl-mode') ?? 'VERIFY_IDENTITY').toUpperCase();
  if (mode === 'DISABLED') {
    if (isLoopback(host)) return false;
    throw new ToolError(`${where}: ssl-mode=DISABLED is accepted only for a loopback address, not ${host}: over a network the admin password needs verified TLS (ssl-mode=VERIFY_IDENTITY)`);
  }
  if (mode !== 'VERIFY_IDENTITY') {
    const why = mode === 'PREFERRED' ? 'falls back to a plain connection'
      : mode === 'REQUIRED' || mode === 'VERIFY_CA' ? 'does not check the server\'s host name' : 'is not an ssl-mode';
    throw new ToolError(`${where}: ssl-mode=${mode} ${why}; dbfence needs ssl-mode=VERIFY_IDENTITY (or ssl-mode=DISABLED to a loopback address)`);
  }
  const caFile = params.get('ssl-ca');
  const providerCa = trust.caPem?.();
  const cas = [...(caFile === null ? [] : [readCaFile(caFile, where)]), ...(providerCa === undefined ? [] : [providerCa])];
  return {
    rejectUnauthorized: true,
    // Without a CA of its own the connection trusts Node's CA list (and NODE_EXTRA_CA_CERTS).
    ...(cas.length > 0 ? { ca: trust.system ? [...rootCertificates, ...cas] : cas } : {}),
    // Node checks the certificate against `servername`, else `host`; an IP address can only be the latter.
    host,
    ...(isIP(host) === 0 ? { servername: host } : {}),
  };
}

function readCaFile(path: string, where: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${code ?? 'error'})`;
    throw new ToolError(`${where}: the ssl-ca file ${path} ${why}`);
  }
}
