import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dialect } from '../../engines/mariadb/dialect.js';
import { errorMessage, type Session } from '../../engines/mariadb/index.js';
import { ToolError } from '../../errors.js';
import type { EndpointsConfig, MariadbProviderSettings } from '../../model/config.js';
import type { Step } from '../../plan/runner.js';
import type { Change, PlanNotice } from '../../plan/types.js';
import { type CertificateInfo, keyMatchesCertificate, readCertificate } from '../../tls/certificate-info.js';
import {
  certificateExpiryNotices, type CertificateProblem, type DesiredServerCertificate, desiredServerCertificate,
  issueDesiredCertificate, renewalReasons, signedByCa, signingCa,
} from '../../tls/certificate-policy.js';
import type { PemPair } from '../../tls/pem.js';
import { fetchMariadbCertificate } from './served-certificate.js';
import { type PairFiles, readLocalFile, replacePair } from './server-files.js';

export const CERTIFICATE_ADDRESS = 'mariadb.certificate.server';
export const TLS_VERSION_ADDRESS = 'mariadb.tls.version';
const PLAINTEXT_RULE_ID = 'plaintext-logins';

/** tls_version's protocols in order, as MariaDB spells them (MySQL writes `TLSv1` for 1.0). */
const PROTOCOLS = ['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
/** A reload that worked is visible to the next handshake; this only absorbs one the server accepted just before. */
const SERVED_RETRY_MS = 1_000;

/**
 * What apply does for one of the edge's changes: issue, write and load the
 * certificate; or nothing for tls_version, which only a restart loads: its
 * step fails with what to do.
 */
export type MariadbTlsOperation = { kind: 'certificate' } | { kind: 'tls-version'; tlsVersion: string };

export type MariadbTlsChange = Change<MariadbTlsOperation>;

/** How the edge runs SQL: on the admin connection the provider opened, which knows the server's dialect. */
export interface MariadbSql {
  dialect(): Promise<Pick<Dialect, 'kind'>>;
  query(sql: string): Promise<unknown>;
}

/** Where the admin URL reaches the server. */
export type ServerAddress = Pick<Session['server'], 'host' | 'port'>;

/** What the server serves and has loaded, and the files dbfence writes. No private key is kept, only whether it matches. */
export interface MariadbTlsLive {
  /** Where the admin URL reaches the server: its host must be in the certificate too, as the admin connection verifies it. */
  address: ServerAddress;
  /** MariaDB reloads TLS with FLUSH SSL, MySQL with ALTER INSTANCE RELOAD TLS. */
  server: Dialect['kind'];
  /** The loaded ssl_cert and ssl_key, absolute; empty when the server was started without them. */
  sslCert: string;
  sslKey: string;
  /** The protocols tls_version enables, in MariaDB's spelling, oldest first. */
  protocols: string[];
  requireSecureTransport: boolean;
  /** What a new connection gets; undefined when the server offers no TLS. */
  served: CertificateInfo | undefined;
  /** The served certificate is signed by provider.ca; undefined when inspected without a CA. */
  servedByCa: boolean | undefined;
  /** The files of provider.serverCertificate as this machine reads them; undefined without that setting. */
  files: (PairFiles & { certExists: boolean; onDisk: CertificateInfo | undefined; keyMatches: boolean }) | undefined;
}

interface Variables {
  ssl_cert: string | null;
  ssl_key: string | null;
  tls_version: string | null;
  require_secure_transport: number | string | null;
  datadir: string;
}

/**
 * Reads the TLS variables over SQL, asks the server for its certificate the
 * way a client would, and reads the files of provider.serverCertificate on
 * this machine. With `caPem`, also tells whether that CA signed what is served.
 */
export async function inspectTls(sql: MariadbSql, address: ServerAddress, settings: MariadbProviderSettings, caPem?: string): Promise<MariadbTlsLive> {
  const [variables] = await sql.query(
    'SELECT @@ssl_cert AS ssl_cert, @@ssl_key AS ssl_key, @@tls_version AS tls_version, '
    + '@@require_secure_transport AS require_secure_transport, @@datadir AS datadir',
  ) as Variables[];
  const { datadir } = variables!;
  // The server resolves relative paths from its data directory, where it runs.
  const absolute = (path: string | null): string => (path ? posix.resolve(datadir, path) : '');
  const served = await servedCertificate(address);
  return {
    address: { host: address.host, port: address.port },
    server: (await sql.dialect()).kind,
    sslCert: absolute(variables!.ssl_cert),
    sslKey: absolute(variables!.ssl_key),
    protocols: enabledProtocols(variables!.tls_version ?? ''),
    requireSecureTransport: ['1', 'ON'].includes(String(variables!.require_secure_transport).toUpperCase()),
    served,
    servedByCa: caPem !== undefined && served ? signedByCa(served.pem, caPem) : undefined,
    files: settings.serverCertificate ? readFiles(settings.serverCertificate) : undefined,
  };
}

/** `TLSv1.2,TLSv1.3` as MariaDB's names, oldest first. */
function enabledProtocols(list: string): string[] {
  const named = new Set(list.split(',').map((name) => name.trim()).map((name) => (name === 'TLSv1' ? 'TLSv1.0' : name)));
  return PROTOCOLS.filter((protocol) => named.has(protocol));
}

function readFiles(files: PairFiles): MariadbTlsLive['files'] {
  let certText: string | undefined;
  let keyText: string | undefined;
  try {
    certText = readLocalFile(files.certFile);
    keyText = readLocalFile(files.keyFile);
  } catch (error) {
    throw new ToolError(`provider.serverCertificate: ${(error as Error).message}; dbfence reads and writes these files on the machine it runs on`);
  }
  const onDisk = certText === undefined ? undefined : tryReadCertificate(certText);
  return { ...files, certExists: certText !== undefined, onDisk, keyMatches: onDisk !== undefined && keyText !== undefined && keyMatchesCertificate(onDisk.pem, keyText) };
}

function tryReadCertificate(pem: string): CertificateInfo | undefined {
  try {
    return readCertificate(pem);
  } catch {
    return undefined;
  }
}

async function servedCertificate(address: ServerAddress): Promise<CertificateInfo | undefined> {
  try {
    return await fetchMariadbCertificate(address.host, address.port);
  } catch (error) {
    throw new ToolError(`cannot check the certificate served at ${address.host}:${address.port}: ${(error as Error).message}`);
  }
}

// ---------------------------------------------------------------- plan

/**
 * The changes that make the server's TLS match the file, when dbfence
 * issues its certificate (provider.ca and serverCertificate set, an
 * endpoint hostname): the certificate, which FLUSH SSL loads, and
 * tls_version, which only a restart changes.
 */
export function tlsChanges(desired: EndpointsConfig, live: MariadbTlsLive, now: Date): MariadbTlsChange[] {
  const want = desiredCertificate(desired, live);
  if (!issuesCertificate(desired, want) || !live.files) return [];
  const changes: MariadbTlsChange[] = [];
  const problems = certificateProblems(want, live, now);
  if (problems.length > 0) {
    changes.push({
      address: CERTIFICATE_ADDRESS,
      resource: 'certificate',
      action: live.served === undefined ? 'create' : 'replace',
      reason: problems.map((problem) => problem.reason).join('; '),
      destructive: false,
      // Without TLS the server needs a restart to load any certificate.
      ...(live.served === undefined ? { disruptive: true } : {}),
      before: describeServed(live),
      after: { names: want.hostnames.map((h) => h.name), validity: want.validityText, issuer: 'provider.ca', files: [live.files.certFile, live.files.keyFile] },
      path: problems.find((problem) => problem.path)?.path ?? ['provider', 'ca'],
      operation: { kind: 'certificate' },
    });
  }
  const oldest = live.protocols[0];
  const wanted = mariadbProtocol(want.minProtocol);
  if (live.served !== undefined && oldest !== wanted) {
    const list = PROTOCOLS.slice(PROTOCOLS.indexOf(wanted)).join(',');
    changes.push({
      address: TLS_VERSION_ADDRESS,
      resource: 'tls-setting',
      action: 'update',
      reason: `tls_version is ${live.protocols.join(',') || 'empty'}, but the endpoints ask for ${list} (${wanted} and later); ${cannotChangeTlsVersion(live, list)}`,
      destructive: false,
      disruptive: true,
      before: { tls_version: live.protocols.join(',') },
      after: { tls_version: list },
      path: want.minProtocolPath ?? ['provider'],
      operation: { kind: 'tls-version', tlsVersion: list },
    });
  }
  return changes;
}

/**
 * `certificate-expiry` for the served certificate, and `plaintext-logins`
 * while require_secure_transport is OFF: dbfence's accounts REQUIRE SSL,
 * every other account may then log in over plain TCP.
 */
export function tlsNotices(desired: EndpointsConfig, live: MariadbTlsLive, now: Date): PlanNotice[] {
  const notices = live.served ? certificateExpiryNotices(desiredCertificate(desired, live), live.served, now, CERTIFICATE_ADDRESS) : [];
  if (!live.requireSecureTransport) {
    notices.push({
      ruleId: PLAINTEXT_RULE_ID,
      message: `require_secure_transport is OFF: the accounts dbfence manages REQUIRE SSL, but any other account may log in over plain TCP, its password and data in clear; set require_secure_transport = ON under ${section(live)} (SET GLOBAL lasts until the next restart)`,
      address: 'mariadb.tls.require_secure_transport',
      path: ['provider'],
    });
  }
  return notices;
}

/**
 * The policy's certificate for the endpoint hostnames, naming the admin
 * URL's host as well: dbfence's own admin connection verifies it, and would
 * otherwise lock itself out with the first certificate it issues.
 */
function desiredCertificate(desired: EndpointsConfig, live: MariadbTlsLive): DesiredServerCertificate {
  const want = desiredServerCertificate(desired);
  if (want.hostnames.length === 0 || want.hostnames.some((hostname) => hostname.name === live.address.host)) return want;
  return { ...want, hostnames: [...want.hostnames, { name: live.address.host, path: ['provider', 'adminUrl'] }] };
}

function issuesCertificate(config: EndpointsConfig, want: DesiredServerCertificate): boolean {
  return config.provider.kind === 'mariadb' && config.provider.ca !== undefined && want.hostnames.length > 0;
}

function certificateProblems(want: DesiredServerCertificate, live: MariadbTlsLive, now: Date): CertificateProblem[] {
  const files = live.files!;
  if (!live.served) return [{ reason: `the server offers no TLS; ${cannotEnableTls(live)}` }];
  const problems = renewalReasons(want, live.served, live.servedByCa, now);
  if (!files.certExists) {
    problems.push({
      reason: `the certificate file ${files.certFile} does not exist here: dbfence writes the server's files where it runs, so run it on the database host or with their folder mounted`,
      path: ['provider', 'serverCertificate', 'certFile'],
    });
  } else if (files.onDisk?.serial !== live.served.serial) {
    problems.push({ reason: `the certificate file ${files.certFile} is not the certificate served, so a restart would change it`, path: ['provider', 'serverCertificate', 'certFile'] });
  } else if (!files.keyMatches) {
    problems.push({ reason: `the key file ${files.keyFile} does not belong to the certificate, so a restart would fail to load TLS`, path: ['provider', 'serverCertificate', 'keyFile'] });
  }
  return problems;
}

function describeServed(live: MariadbTlsLive): Record<string, unknown> {
  if (!live.served) return { tls: 'off' };
  const { serial, notAfter, names } = live.served;
  return { serial, notAfter: notAfter.toISOString(), names };
}

/** The policy's protocol (`TLSv1` for 1.0, as OpenSSL and Node spell it) in MariaDB's spelling. */
function mariadbProtocol(name: string): (typeof PROTOCOLS)[number] {
  return name === 'TLSv1' ? 'TLSv1.0' : name as (typeof PROTOCOLS)[number];
}

/** The option file's section the server reads. */
function section(live: MariadbTlsLive): string {
  return live.server === 'mysql' ? '[mysqld]' : '[mariadbd]';
}

function cannotEnableTls(live: MariadbTlsLive): string {
  const files = live.files!;
  return `dbfence cannot turn TLS on in a running server (${reloadStatement(live)} reloads only what the server was started with): set ssl_cert = ${files.certFile} and ssl_key = ${files.keyFile} under ${section(live)}, restart the server, then apply again`;
}

/** dbfence edits no option file and restarts nothing, so a setting only a restart loads is a change it cannot make. */
function cannotChangeTlsVersion(live: MariadbTlsLive, list: string): string {
  return `dbfence cannot change it in a running server (tls_version is read at start-up; dbfence edits no option file and restarts nothing): set tls_version = ${list} under ${section(live)} and restart the server`;
}

// ---------------------------------------------------------------- apply

export interface TlsApplyContext {
  /** Runs `use` on an admin connection opened before the certificate changes, so it can put the old one back whatever is served. */
  withSql<T>(use: (sql: MariadbSql) => Promise<T>): Promise<T>;
  /** provider.ca, with its key. */
  ca: () => PemPair;
  now: Date;
  log(message: string): void;
}

/**
 * The runner's steps for the edge's changes, one each. The certificate:
 * issued by the CA, written over the files, loaded with FLUSH SSL and
 * proven by a handshake that serves the new serial; on any failure the old
 * files are put back (and reloaded) and the step's error says what happened.
 * A change that needs a restart is not made: its step fails with what to do.
 */
export function tlsSteps(desired: EndpointsConfig, live: MariadbTlsLive, changes: readonly Change[], context: TlsApplyContext): Step[] {
  return changes.map((change) => ({
    changes: [change],
    async run() {
      const operation = change.operation as MariadbTlsOperation;
      if (operation.kind === 'tls-version') throw new ToolError(`not applied: ${change.reason}`);
      if (live.served === undefined) throw new ToolError(`not applied: ${cannotEnableTls(live)}`);
      let serial: string;
      try {
        serial = await context.withSql((sql) => replaceCertificate(desired, live, sql, context));
      } catch (error) {
        throw error instanceof ToolError ? error : new ToolError((error as Error).message);
      }
      context.log(`mariadb: server certificate ${serial} issued, written and loaded with ${reloadStatement(live)}`);
    },
  }));
}

/** Issues, writes, reloads and verifies; returns the new serial. */
async function replaceCertificate(desired: EndpointsConfig, live: MariadbTlsLive, sql: MariadbSql, context: TlsApplyContext): Promise<string> {
  const want = desiredCertificate(desired, live);
  const issued = issueDesiredCertificate(want, signingCa(context.ca(), want, context.now), context.now);
  const files = live.files!;
  const backup = replacePair(files, issued);
  const previous = live.served!.serial;
  try {
    await reload(sql, live);
    await expectServed(live.address, issued.serial, live, files);
    return issued.serial;
  } catch (error) {
    try {
      backup.restore();
    } catch (restoreError) {
      throw new Error(`${(error as Error).message}; putting the previous files back failed too: ${(restoreError as Error).message}; the server keeps serving what it loaded until its next FLUSH SSL or restart`);
    }
    // A reload that failed kept the old certificate in memory; one that loaded other files is undone by loading the old ones again.
    const reloaded = await reload(sql, live).then(() => '', (again: Error) => `; reloading them failed too: ${again.message}`);
    const served = await fetchMariadbCertificate(live.address.host, live.address.port).catch(() => undefined);
    const now = served?.serial === previous ? `serial ${previous} is still served` : `the server now serves ${served ? `serial ${served.serial}` : 'no TLS'}`;
    throw new Error(`${(error as Error).message}; the previous files were put back${reloaded} and ${now}`);
  }
}

/**
 * The statement that loads the configured files again; on an error the
 * server keeps what it had loaded (MySQL: unless told NO ROLLBACK ON ERROR).
 */
function reloadStatement(live: MariadbTlsLive): string {
  return live.server === 'mysql' ? 'ALTER INSTANCE RELOAD TLS' : 'FLUSH SSL';
}

async function reload(sql: MariadbSql, live: MariadbTlsLive): Promise<void> {
  const statement = reloadStatement(live);
  try {
    await sql.query(statement);
  } catch (error) {
    throw new Error(`${statement} failed: ${errorMessage(error)}`);
  }
}

async function expectServed(address: ServerAddress, serial: string, live: MariadbTlsLive, files: PairFiles): Promise<void> {
  const deadline = Date.now() + SERVED_RETRY_MS;
  for (;;) {
    const served = await fetchMariadbCertificate(address.host, address.port);
    if (served?.serial === serial) return;
    if (Date.now() > deadline) {
      const now = served ? `it still serves serial ${served.serial}` : 'it offers no TLS';
      const elsewhere = files.certFile === live.sslCert && files.keyFile === live.sslKey
        ? ''
        : `; the server loads ${live.sslCert} and ${live.sslKey}: are provider.serverCertificate's ${files.certFile} and ${files.keyFile} those files?`;
      throw new Error(`the server did not load the new certificate (serial ${serial}) with ${reloadStatement(live)}: ${now}${elsewhere}`);
    }
    await sleep(100);
  }
}
