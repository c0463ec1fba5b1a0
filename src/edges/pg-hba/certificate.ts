import { X509Certificate } from 'node:crypto';
import { closeSync, fchownSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import type pg from 'pg';
import { ToolError } from '../../errors.js';
import type { EndpointsConfig, PostgresProviderSettings } from '../../model/config.js';
import { parseDuration } from '../../model/duration.js';
import type { DocPath } from '../../model/path.js';
import type { ChangeDescription, PlanNotice } from '../../plan/types.js';
import { caProblem } from '../../tls/ca.js';
import {
  type CertificateInfo, certificateNamesHost, isIssuedBy, keyMatchesCertificate, readCertificate,
} from '../../tls/certificate-info.js';
import { normalizePem, type PemPair } from '../../tls/pem.js';
import { fetchServedCertificate } from '../../tls/served-certificate.js';
import { issueServerCertificate } from '../../tls/server-certificate.js';
import type { SecretResolver } from '../../providers/types.js';

export const CERTIFICATE_ADDRESS = 'postgres.certificate.server';
const CERTIFICATE_RULE_ID = 'certificate-expiry';

/**
 * dbfence's own files in the data directory, so a certificate the team
 * placed elsewhere (e.g. the distribution's snakeoil pair) is never overwritten.
 */
const CERTIFICATE_FILE_NAME = 'dbfence-server.crt';
const KEY_FILE_NAME = 'dbfence-server.key';

const DEFAULT_VALIDITY = '90d';
const DEFAULT_RENEW_BEFORE = '30d';
const PROTOCOLS = { '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' } as const;
const PROTOCOL_ORDER: readonly string[] = Object.values(PROTOCOLS);
const DEFAULT_MIN_PROTOCOL = PROTOCOLS['1.2'];
const RELOAD_TIMEOUT_MS = 10_000;
/** A reload that worked is visible at once; this only absorbs a connection the postmaster accepted just before it. */
const SERVED_RETRY_MS = 1_000;

export type Setting = 'ssl' | 'ssl_cert_file' | 'ssl_key_file' | 'ssl_min_protocol_version';
const SETTINGS: readonly Setting[] = ['ssl', 'ssl_cert_file', 'ssl_key_file', 'ssl_min_protocol_version'];

/** What the server serves and has configured. No private key is kept here, only whether it matches. */
export interface CertificateLive {
  /** The `ssl` setting. It says on even when no certificate could be loaded: `served` is the truth. */
  ssl: boolean;
  dataDirectory: string;
  /** Absolute paths of the configured certificate and key files. */
  certFile: string;
  keyFile: string;
  minProtocol: string;
  /** What a new connection gets (SSLRequest, then a TLS handshake); undefined when the server offers no TLS. */
  served: CertificateInfo | undefined;
  /** The configured certificate file: what the next reload or restart loads. */
  onDisk: CertificateInfo | undefined;
  /** The configured key file belongs to the configured certificate file. */
  keyMatches: boolean;
  /** The served certificate is signed by provider.ca; undefined when inspected without a CA. */
  servedByCa: boolean | undefined;
  /**
   * Settings the configuration files set otherwise than the server has loaded
   * (an `ALTER SYSTEM` not reloaded yet): what the next reload or restart loads.
   */
  pendingSettings: { name: Setting; loaded: string; next: string }[];
}

/** What the file asks of the server certificate. */
interface DesiredCertificate {
  hostnames: { name: string; path: DocPath }[];
  validitySeconds: number;
  renewBeforeSeconds: number;
  renewBeforeText: string;
  validityText: string;
  minProtocol: string;
  minProtocolPath: DocPath | undefined;
  /** dbfence issues the certificate: provider.ca is set and some endpoint names a hostname. */
  managed: boolean;
}

interface Problem {
  reason: string;
  path?: DocPath;
}

// ---------------------------------------------------------------- the CA

/** The CA that signs server certificates, from provider.ca; a ToolError when it cannot sign. */
export function resolvePostgresCa(settings: PostgresProviderSettings, secrets: SecretResolver, now = new Date()): PemPair {
  if (!settings.ca) throw new ToolError(missingCaMessage());
  const ca = {
    certificatePem: normalizePem(secrets.resolve(settings.ca.certificate, 'provider.ca.certificate')),
    keyPem: normalizePem(secrets.resolve(settings.ca.key, 'provider.ca.key')),
  };
  const problem = caProblem(ca, now);
  if (problem) throw new ToolError(`provider.ca: ${problem}`);
  return ca;
}

/** The CA certificate clients need for full verification (no key is read). */
export function resolvePostgresCaCertificate(settings: PostgresProviderSettings, secrets: SecretResolver): string {
  if (!settings.ca) throw new ToolError(missingCaMessage());
  const pem = normalizePem(secrets.resolve(settings.ca.certificate, 'provider.ca.certificate'));
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new ToolError('provider.ca.certificate is not a PEM certificate');
  }
  if (!cert.ca) throw new ToolError('provider.ca.certificate is not a CA certificate (basicConstraints CA:TRUE is missing)');
  return pem;
}

function missingCaMessage(): string {
  return 'provider.ca is not set: dbfence signs the server certificate with a CA you keep; create one with `dbfence ca init`';
}

// ---------------------------------------------------------------- inspect

/**
 * Reads the TLS settings and the configured files (superuser or
 * pg_read_server_files), then asks the endpoint for its certificate the way
 * a client would. With `ca`, also tells whether that CA signed it.
 */
export async function inspectCertificate(
  client: pg.ClientBase,
  endpoints: { host: string; port: number },
  ca?: { certificatePem: string },
): Promise<CertificateLive> {
  const { loaded: settings, next } = await readSettings(client);
  const dataDirectory = settings.data_directory!;
  const certFile = posix.resolve(dataDirectory, settings.ssl_cert_file!);
  const keyFile = posix.resolve(dataDirectory, settings.ssl_key_file!);
  const certText = await readServerFile(client, certFile);
  const keyText = await readServerFile(client, keyFile);
  const onDisk = certText === null ? undefined : tryReadCertificate(certText);
  const served = await servedCertificate(endpoints);
  return {
    ssl: settings.ssl === 'on',
    dataDirectory,
    certFile,
    keyFile,
    minProtocol: settings.ssl_min_protocol_version!,
    served,
    onDisk,
    keyMatches: onDisk !== undefined && keyText !== null && keyMatchesCertificate(onDisk.pem, keyText),
    servedByCa: ca && served ? issuedBySafely(served.pem, ca.certificatePem) : undefined,
    pendingSettings: SETTINGS.flatMap((name) => {
      const [loaded, pending] = [settings[name]!, next[name]!];
      return sameSetting(name, loaded, pending, dataDirectory) ? [] : [{ name, loaded, next: pending }];
    }),
  };
}

/** Compares two values of a setting as PostgreSQL reads them: booleans in any spelling, paths from the data directory. */
function sameSetting(name: Setting, a: string, b: string, dataDirectory: string): boolean {
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

async function readSettings(client: pg.ClientBase): Promise<{ loaded: Record<string, string>; next: Record<string, string> }> {
  const { rows } = await client.query<{ name: string; setting: string; next: string }>(SETTINGS_SQL, [[...SETTINGS, 'data_directory']]);
  const loaded = Object.fromEntries(rows.map((row) => [row.name, row.setting]));
  if (loaded.data_directory === undefined) {
    throw new ToolError('the server hides data_directory: reading the TLS configuration needs a superuser or pg_read_all_settings');
  }
  return { loaded, next: Object.fromEntries(rows.map((row) => [row.name, row.next])) };
}

/**
 * A file's text, or null when it does not exist. `pg_read_file(path,
 * missing_ok)` exists only from PostgreSQL 16; the four-argument form with
 * the size from `pg_stat_file` reads the whole file on 13 and later.
 */
async function readServerFile(client: pg.ClientBase, path: string): Promise<string | null> {
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

function tryReadCertificate(pem: string): CertificateInfo | undefined {
  try {
    return readCertificate(pem);
  } catch {
    return undefined;
  }
}

function issuedBySafely(pem: string, caPem: string): boolean {
  try {
    return isIssuedBy(pem, caPem);
  } catch {
    return false;
  }
}

async function servedCertificate(endpoints: { host: string; port: number }): Promise<CertificateInfo | undefined> {
  if (endpoints.host.startsWith('/')) {
    throw new ToolError(`the admin connection uses the socket ${endpoints.host}; checking the served certificate needs a TCP host in provider.adminUrl`);
  }
  try {
    return await fetchServedCertificate(endpoints.host, endpoints.port);
  } catch (error) {
    throw new ToolError(`cannot check the certificate served at ${endpoints.host}:${endpoints.port}: ${(error as Error).message}`);
  }
}

// ---------------------------------------------------------------- plan

/** The change that makes the served certificate and TLS settings match the file; none when they do. */
export function diffCertificate(desired: EndpointsConfig, live: CertificateLive, now: Date): ChangeDescription[] {
  const want = desiredCertificate(desired);
  if (!want.managed) return [];
  const certificate = certificateProblems(want, live, now);
  const settings = settingProblems(want, live);
  const problems = [...certificate, ...settings];
  if (problems.length === 0) return [];
  const reissue = certificate.length > 0;
  return [{
    address: CERTIFICATE_ADDRESS,
    resource: 'certificate',
    action: live.served === undefined ? 'create' : reissue ? 'replace' : 'update',
    reason: problems.map((problem) => problem.reason).join('; '),
    destructive: false,
    before: describeLive(live),
    after: reissue
      ? { names: want.hostnames.map((h) => h.name), validity: want.validityText, issuer: 'provider.ca', minProtocol: want.minProtocol }
      : { ...describeLive(live), minProtocol: want.minProtocol },
    path: problems.find((problem) => problem.path)?.path ?? ['provider', 'ca'],
  }];
}

/** `certificate-expiry`: the served certificate expires within renewBefore or misses an endpoint hostname. */
export function certificateNotices(desired: EndpointsConfig, live: CertificateLive, now: Date): PlanNotice[] {
  return live.served ? servedCertificateNotices(desired, live.served, now) : [];
}

/** The same for a certificate a client was served (`dbfence verify`). */
export function servedCertificateNotices(desired: EndpointsConfig, served: CertificateInfo, now: Date): PlanNotice[] {
  const want = desiredCertificate(desired);
  const notices: PlanNotice[] = [];
  const expiry = expiryProblem(served, want, now);
  if (expiry) notices.push({ ruleId: CERTIFICATE_RULE_ID, message: expiry, address: CERTIFICATE_ADDRESS, path: ['provider'] });
  for (const hostname of missingHostnames(served, want)) {
    notices.push({
      ruleId: CERTIFICATE_RULE_ID,
      message: `the served certificate (serial ${served.serial}) does not name ${hostname.name}: clients that verify the hostname are refused`,
      address: CERTIFICATE_ADDRESS,
      path: hostname.path,
    });
  }
  return notices;
}

function desiredCertificate(config: EndpointsConfig): DesiredCertificate {
  const validityText = config.defaults?.certificates?.validity ?? DEFAULT_VALIDITY;
  const renewBeforeText = config.defaults?.certificates?.renewBefore ?? DEFAULT_RENEW_BEFORE;
  const validitySeconds = parseDuration(validityText);
  const renewBeforeSeconds = parseDuration(renewBeforeText);
  if (!validitySeconds) throw new ToolError(`defaults.certificates.validity "${validityText}" is not a positive duration`);
  if (renewBeforeSeconds === undefined) throw new ToolError(`defaults.certificates.renewBefore "${renewBeforeText}" is not a duration`);
  if (renewBeforeSeconds >= validitySeconds) {
    throw new ToolError(`defaults.certificates.renewBefore (${renewBeforeText}) must be shorter than validity (${validityText}), or every apply would renew the certificate`);
  }
  const hostnames: DesiredCertificate['hostnames'] = [];
  let minProtocol: string = DEFAULT_MIN_PROTOCOL;
  let minProtocolPath: DocPath | undefined;
  config.databases.forEach((database, d) => {
    database.endpoints?.forEach((endpoint, e) => {
      if (endpoint.hostname !== undefined && !hostnames.some((h) => h.name === endpoint.hostname)) {
        hostnames.push({ name: endpoint.hostname, path: ['databases', d, 'endpoints', e, 'hostname'] });
      }
      const version = endpoint.tls?.minVersion;
      // One server serves every endpoint: the strictest floor is the only one that honours them all.
      if (version !== undefined && (minProtocolPath === undefined || PROTOCOL_ORDER.indexOf(PROTOCOLS[version]) > PROTOCOL_ORDER.indexOf(minProtocol))) {
        minProtocol = PROTOCOLS[version];
        minProtocolPath = ['databases', d, 'endpoints', e, 'tls', 'minVersion'];
      }
    });
  });
  const managed = config.provider.kind === 'postgres' && config.provider.ca !== undefined && hostnames.length > 0;
  return { hostnames, validitySeconds, renewBeforeSeconds, renewBeforeText, validityText, minProtocol, minProtocolPath, managed };
}

/** Why the served certificate must be reissued; empty when it is fine. */
function certificateProblems(want: DesiredCertificate, live: CertificateLive, now: Date): Problem[] {
  const served = live.served;
  if (!served) {
    return [{ reason: live.ssl ? 'ssl is on but the server offers no TLS: it could not load its certificate' : 'the server offers no TLS' }];
  }
  const problems: Problem[] = [];
  if (live.servedByCa === false) problems.push({ reason: `the served certificate (serial ${served.serial}) is not signed by provider.ca` });
  for (const hostname of missingHostnames(served, want)) {
    problems.push({ reason: `the served certificate does not name ${hostname.name}`, path: hostname.path });
  }
  const expiry = expiryProblem(served, want, now);
  if (expiry) problems.push({ reason: expiry });
  if (live.onDisk?.serial !== served.serial) {
    problems.push({ reason: `the certificate file ${live.certFile} is not the certificate served, so a restart would change it` });
  } else if (!live.keyMatches) {
    problems.push({ reason: `the key file ${live.keyFile} does not belong to the certificate, so a restart would fail to load TLS` });
  }
  return problems;
}

function settingProblems(want: DesiredCertificate, live: CertificateLive): Problem[] {
  const problems: Problem[] = [];
  const where = want.minProtocolPath ? { path: want.minProtocolPath } : {};
  if (live.minProtocol !== want.minProtocol) {
    problems.push({ reason: `ssl_min_protocol_version is ${live.minProtocol || 'unset'} but the endpoints ask for ${want.minProtocol}`, ...where });
  }
  // Kept as loaded, the files: a new certificate, when due, is a problem of its own.
  const wanted: Record<Setting, string> = { ssl: 'on', ssl_cert_file: live.certFile, ssl_key_file: live.keyFile, ssl_min_protocol_version: want.minProtocol };
  for (const { name, loaded, next } of live.pendingSettings) {
    if (sameSetting(name, next, wanted[name], live.dataDirectory)) continue;
    problems.push({
      reason: `the configuration files set ${name} = ${next || 'unset'}, which the next reload or restart would load instead of ${loaded || 'unset'}`,
      ...(name === 'ssl_min_protocol_version' ? where : {}),
    });
  }
  return problems;
}

function missingHostnames(served: CertificateInfo, want: DesiredCertificate): DesiredCertificate['hostnames'] {
  return want.hostnames.filter((hostname) => !certificateNamesHost(served.pem, hostname.name));
}

function expiryProblem(served: CertificateInfo, want: DesiredCertificate, now: Date): string | undefined {
  const remainingMs = served.notAfter.getTime() - now.getTime();
  const date = served.notAfter.toISOString();
  if (remainingMs <= 0) return `the served certificate (serial ${served.serial}) expired on ${date}`;
  if (remainingMs <= want.renewBeforeSeconds * 1000) {
    return `the served certificate (serial ${served.serial}) expires on ${date}, within renewBefore (${want.renewBeforeText})`;
  }
  return undefined;
}

function describeLive(live: CertificateLive): Record<string, unknown> {
  if (!live.served) return { tls: 'off', minProtocol: live.minProtocol };
  const { serial, notAfter, names } = live.served;
  return { serial, notAfter: notAfter.toISOString(), names, minProtocol: live.minProtocol };
}

// ---------------------------------------------------------------- apply

/**
 * Brings the server certificate and TLS settings to what the file asks,
 * without a restart: issues a certificate when needed, writes it and its key,
 * sets `ssl`, the file paths and `ssl_min_protocol_version`, reloads, and
 * proves by a handshake that the new certificate is served. On any failure
 * the previous files and settings are restored and a ToolError says what
 * happened. Needs a superuser connection outside any transaction (ALTER
 * SYSTEM cannot run in one).
 *
 * Files: the certificate is written over SQL (COPY TO), which creates files
 * world-readable; that is fine for a certificate and never done for a key
 * (see writeKeyFile).
 */
export async function applyCertificate(
  client: pg.ClientBase,
  desired: EndpointsConfig,
  ca: { certificatePem: string; keyPem: string },
  endpoints: { host: string; port: number },
): Promise<void> {
  const now = new Date();
  const want = desiredCertificate(desired);
  if (want.hostnames.length === 0) return;
  const caCertificate = checkCa(ca, want, now);
  await requireSuperuser(client);

  const live = await inspectCertificate(client, endpoints, ca);
  const reissue = certificateProblems(want, live, now).length > 0;
  const target = reissue
    ? { certFile: posix.join(live.dataDirectory, CERTIFICATE_FILE_NAME), keyFile: posix.join(live.dataDirectory, KEY_FILE_NAME) }
    : { certFile: live.certFile, keyFile: live.keyFile };
  const settings = changedSettings(live, {
    ssl: 'on', ssl_cert_file: target.certFile, ssl_key_file: target.keyFile, ssl_min_protocol_version: want.minProtocol,
  });
  if (!reissue && settings.length === 0) return;

  const local = await dataDirectoryIsLocal(client, live.dataDirectory);
  const backup = await takeBackup(client, reissue ? [target.certFile, target.keyFile] : [], settings.map(([name]) => name), live.dataDirectory);
  let expectedSerial = live.served?.serial;
  /** Files this apply may have changed: only those are put back. */
  const touched = new Set<string>();
  try {
    if (reissue) {
      const issued = issueServerCertificate({
        ca,
        hostnames: want.hostnames.map((hostname) => hostname.name),
        notAfter: new Date(Math.min(now.getTime() + want.validitySeconds * 1000, caCertificate.notAfter.getTime())),
        now,
      });
      touched.add(target.keyFile).add(target.certFile);
      await writeKeyFile(client, target.keyFile, issued.keyPem, live.dataDirectory, local);
      await writeServerFile(client, target.certFile, issued.certificatePem);
      expectedSerial = issued.serial;
    }
    for (const [name, value] of settings) await alterSystem(client, name, value);
    await reloadConfiguration(client);
    await verifyApplied(client, endpoints, expectedSerial!, {
      ssl: 'on', ssl_cert_file: target.certFile, ssl_key_file: target.keyFile, ssl_min_protocol_version: want.minProtocol,
    }, live.dataDirectory);
  } catch (error) {
    const restored = await restoreBackup(client, backup, touched, local, endpoints, live.served?.serial);
    throw new ToolError(`${(error as Error).message}; ${restored}`);
  }
}

function checkCa(ca: PemPair, want: DesiredCertificate, now: Date): CertificateInfo {
  const problem = caProblem(ca, now);
  if (problem) throw new ToolError(`provider.ca: ${problem}`);
  const info = readCertificate(ca.certificatePem);
  if (info.notAfter.getTime() - now.getTime() <= want.renewBeforeSeconds * 1000) {
    throw new ToolError(`provider.ca expires on ${info.notAfter.toISOString()}, within renewBefore (${want.renewBeforeText}): every certificate it signs would be due for renewal at once; create a new CA with \`dbfence ca init\``);
  }
  return info;
}

async function requireSuperuser(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
  if (!rows[0]?.rolsuper) throw new ToolError('managing the server certificate needs a superuser in provider.adminUrl (it writes server files and runs ALTER SYSTEM)');
}

/** Settings to write: those loaded otherwise, and those the configuration files would change at the next reload. */
function changedSettings(live: CertificateLive, wanted: Record<Setting, string>): [Setting, string][] {
  const current: Record<Setting, string> = {
    ssl: live.ssl ? 'on' : 'off', ssl_cert_file: live.certFile, ssl_key_file: live.keyFile, ssl_min_protocol_version: live.minProtocol,
  };
  const next = new Map(live.pendingSettings.map((pending) => [pending.name, pending.next]));
  const differs = (name: Setting): boolean => current[name] !== wanted[name]
    || (next.has(name) && !sameSetting(name, next.get(name)!, wanted[name], live.dataDirectory));
  return SETTINGS.filter(differs).map((name) => [name, wanted[name]]);
}

/**
 * The server runs on this machine when its postmaster.pid, read here and
 * over SQL, agree on the process id, data directory, start time and port.
 */
async function dataDirectoryIsLocal(client: pg.ClientBase, dataDirectory: string): Promise<boolean> {
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
async function writeKeyFile(client: pg.ClientBase, path: string, keyPem: string, dataDirectory: string, local: boolean): Promise<void> {
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
async function writeServerFile(client: pg.ClientBase, path: string, text: string, program?: string): Promise<void> {
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

async function alterSystem(client: pg.ClientBase, name: Setting, value: string | undefined): Promise<void> {
  await client.query(value === undefined ? `ALTER SYSTEM RESET ${name}` : `ALTER SYSTEM SET ${name} = ${client.escapeLiteral(value)}`);
}

/**
 * Sends SIGHUP and waits until this session has re-read the configuration.
 * The postmaster signals sessions from the same step that reloads TLS, and
 * accepts no new connection before finishing it, so a handshake started
 * afterwards sees the result.
 */
async function reloadConfiguration(client: pg.ClientBase): Promise<void> {
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

async function verifyApplied(
  client: pg.ClientBase,
  endpoints: { host: string; port: number },
  expectedSerial: string,
  wanted: Record<Setting, string>,
  dataDirectory: string,
): Promise<void> {
  const { loaded: settings } = await readSettings(client);
  for (const name of SETTINGS) {
    const value = name === 'ssl_cert_file' || name === 'ssl_key_file' ? posix.resolve(dataDirectory, settings[name]!) : settings[name];
    if (value !== wanted[name]) throw new Error(`the server kept ${name} = ${settings[name]} after the reload`);
  }
  const deadline = Date.now() + SERVED_RETRY_MS;
  for (;;) {
    const served = await fetchServedCertificate(endpoints.host, endpoints.port);
    if (served?.serial === expectedSerial) return;
    if (Date.now() > deadline) {
      const now = served ? `it still serves serial ${served.serial}` : 'it offers no TLS';
      throw new Error(`the server did not load the new certificate (serial ${expectedSerial}): ${now}; its log says why ("SSL configuration was not reloaded")`);
    }
    await sleep(100);
  }
}

interface Backup {
  /** File contents before the apply; null for a file that did not exist. */
  files: { path: string; content: string | null }[];
  /** The changed settings' values in postgresql.auto.conf before the apply; undefined where it held none. */
  settings: Map<Setting, string | undefined>;
}

async function takeBackup(client: pg.ClientBase, paths: string[], names: Setting[], dataDirectory: string): Promise<Backup> {
  const files = [];
  for (const path of paths) files.push({ path, content: await readServerFile(client, path) });
  const { rows } = await client.query<{ name: Setting; setting: string }>(
    'SELECT name, setting FROM pg_file_settings WHERE sourcefile = $1 AND name = ANY($2) ORDER BY seqno',
    [posix.join(dataDirectory, 'postgresql.auto.conf'), names],
  );
  const settings = new Map<Setting, string | undefined>(names.map((name) => [name, undefined]));
  for (const row of rows) settings.set(row.name, row.setting);
  return { files, settings };
}

/** Puts files and settings back and reloads; says how that went, in words for the error message. */
async function restoreBackup(
  client: pg.ClientBase,
  backup: Backup,
  touched: ReadonlySet<string>,
  local: boolean,
  endpoints: { host: string; port: number },
  previousSerial: string | undefined,
): Promise<string> {
  try {
    for (const file of backup.files) {
      if (!touched.has(file.path)) continue;
      if (file.content !== null) await writeServerFile(client, file.path, file.content);
      else if (local) rmSync(file.path, { force: true });
      // Remote and new: COPY cannot delete, so leave the file empty rather than holding a key.
      else await writeServerFile(client, file.path, '');
    }
    for (const [name, value] of backup.settings) await alterSystem(client, name, value);
    await reloadConfiguration(client);
  } catch (error) {
    return `restoring the previous files and settings failed too: ${(error as Error).message}`;
  }
  if (previousSerial === undefined) return 'the previous files and settings were restored';
  const served = await fetchServedCertificate(endpoints.host, endpoints.port).catch((error: Error) => error);
  if (served instanceof Error) return `the previous files and settings were restored, but the served certificate could not be checked: ${served.message}`;
  return served?.serial === previousSerial
    ? `the previous files and settings were restored and serial ${previousSerial} is still served`
    : `the previous files and settings were restored, but the server now serves ${served ? `serial ${served.serial}` : 'no TLS'}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
