import { rmSync } from 'node:fs';
import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { ToolError } from '../../errors.js';
import type { EndpointsConfig } from '../../model/config.js';
import type { ChangeDescription, PlanNotice } from '../../plan/types.js';
import { type CertificateInfo, keyMatchesCertificate, readCertificate } from '../../tls/certificate-info.js';
import {
  type CertificateProblem, certificateExpiryNotices, type DesiredServerCertificate, desiredServerCertificate,
  issueDesiredCertificate, renewalReasons, signedByCa, signingCa,
} from '../../tls/certificate-policy.js';
import { fetchServedCertificate } from '../../tls/served-certificate.js';
import { dataDirectoryIsLocal, readServerFile, writeKeyFile, writeServerFile } from './server-files.js';
import { alterSystem, readSettings, reloadConfiguration, sameSetting, SETTINGS, type Setting } from './tls-settings.js';

/*
 * The server certificate of a self-managed PostgreSQL: what it serves and
 * has configured, the change that brings it to what the file asks (when to
 * renew and what to issue is src/tls/certificate-policy.ts), and applying
 * that without a restart: files written over SQL, ALTER SYSTEM, a reload,
 * and a handshake that proves the new certificate is served.
 */

export const CERTIFICATE_ADDRESS = 'postgres.certificate.server';

/**
 * dbfence's own files in the data directory, so a certificate the team
 * placed elsewhere (e.g. the distribution's snakeoil pair) is never overwritten.
 */
const CERTIFICATE_FILE_NAME = 'dbfence-server.crt';
const KEY_FILE_NAME = 'dbfence-server.key';

/** A reload that worked is visible at once; this only absorbs a connection the postmaster accepted just before it. */
const SERVED_RETRY_MS = 1_000;

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
    servedByCa: ca && served ? signedByCa(served.pem, ca.certificatePem) : undefined,
    pendingSettings: SETTINGS.flatMap((name) => {
      const [loaded, pending] = [settings[name]!, next[name]!];
      return sameSetting(name, loaded, pending, dataDirectory) ? [] : [{ name, loaded, next: pending }];
    }),
  };
}

function tryReadCertificate(pem: string): CertificateInfo | undefined {
  try {
    return readCertificate(pem);
  } catch {
    return undefined;
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
  const want = desiredServerCertificate(desired);
  if (!issuesCertificate(desired, want)) return [];
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
  return certificateExpiryNotices(desiredServerCertificate(desired), served, now, CERTIFICATE_ADDRESS);
}

/** dbfence issues the certificate: provider.ca is set and some endpoint names a hostname. */
function issuesCertificate(config: EndpointsConfig, want: DesiredServerCertificate): boolean {
  return config.provider.kind === 'postgres' && config.provider.ca !== undefined && want.hostnames.length > 0;
}

/** Why the served certificate must be reissued: the policy's reasons, and files a restart would load instead; empty when it is fine. */
function certificateProblems(want: DesiredServerCertificate, live: CertificateLive, now: Date): CertificateProblem[] {
  const served = live.served;
  if (!served) {
    return [{ reason: live.ssl ? 'ssl is on but the server offers no TLS: it could not load its certificate' : 'the server offers no TLS' }];
  }
  const problems = renewalReasons(want, served, live.servedByCa, now);
  if (live.onDisk?.serial !== served.serial) {
    problems.push({ reason: `the certificate file ${live.certFile} is not the certificate served, so a restart would change it` });
  } else if (!live.keyMatches) {
    problems.push({ reason: `the key file ${live.keyFile} does not belong to the certificate, so a restart would fail to load TLS` });
  }
  return problems;
}

function settingProblems(want: DesiredServerCertificate, live: CertificateLive): CertificateProblem[] {
  const problems: CertificateProblem[] = [];
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
  const want = desiredServerCertificate(desired);
  if (want.hostnames.length === 0) return;
  const signer = signingCa(ca, want, now);
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
      const issued = issueDesiredCertificate(want, signer, now);
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
