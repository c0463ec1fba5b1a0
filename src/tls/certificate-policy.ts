import { ToolError } from '../errors.js';
import type { EndpointsConfig } from '../model/config.js';
import { parseDuration } from '../model/duration.js';
import type { DocPath } from '../model/path.js';
import type { PlanNotice } from '../plan/types.js';
import { caProblem } from './ca.js';
import { type CertificateInfo, certificateNamesHost, isIssuedBy, readCertificate } from './certificate-info.js';
import type { PemPair } from './pem.js';
import { type IssuedServerCertificate, issueServerCertificate } from './server-certificate.js';

/*
 * When a database server's certificate must be renewed and what the new one
 * holds, whatever engine serves it. An edge reads what its server serves,
 * asks here, and writes the issued pair the way its engine loads it
 * (PostgreSQL: files and a reload; MariaDB: ssl_cert/ssl_key and FLUSH SSL).
 */

const CERTIFICATE_RULE_ID = 'certificate-expiry';
const DEFAULT_VALIDITY = '90d';
const DEFAULT_RENEW_BEFORE = '30d';
/** The file's `tls.minVersion` values as TLS protocol names (OpenSSL's and Node's spelling). */
const PROTOCOLS = { '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' } as const;
const PROTOCOL_ORDER: readonly string[] = Object.values(PROTOCOLS);
const DEFAULT_MIN_PROTOCOL = PROTOCOLS['1.2'];

/** What the file asks of the server certificate of the databases it describes. */
export interface DesiredServerCertificate {
  /** Every endpoint hostname once, in file order, with where the file names it: the certificate's SANs. */
  hostnames: { name: string; path: DocPath }[];
  validitySeconds: number;
  renewBeforeSeconds: number;
  renewBeforeText: string;
  validityText: string;
  /** The strictest `tls.minVersion` of all endpoints, e.g. `TLSv1.2`. */
  minProtocol: string;
  /** Where the file asks for minProtocol; undefined when it is the default. */
  minProtocolPath: DocPath | undefined;
}

/** Why something about the served certificate must change, with where the file asks for it. */
export interface CertificateProblem {
  reason: string;
  path?: DocPath;
}

/** The CA that signs server certificates, checked to be able to; see signingCa. */
export interface SigningCa extends PemPair {
  notAfter: Date;
}

/** Reads `defaults.certificates` and the endpoints; a ToolError for durations that cannot work. */
export function desiredServerCertificate(config: EndpointsConfig): DesiredServerCertificate {
  const validityText = config.defaults?.certificates?.validity ?? DEFAULT_VALIDITY;
  const renewBeforeText = config.defaults?.certificates?.renewBefore ?? DEFAULT_RENEW_BEFORE;
  const validitySeconds = parseDuration(validityText);
  const renewBeforeSeconds = parseDuration(renewBeforeText);
  if (!validitySeconds) throw new ToolError(`defaults.certificates.validity "${validityText}" is not a positive duration`);
  if (renewBeforeSeconds === undefined) throw new ToolError(`defaults.certificates.renewBefore "${renewBeforeText}" is not a duration`);
  if (renewBeforeSeconds >= validitySeconds) {
    throw new ToolError(`defaults.certificates.renewBefore (${renewBeforeText}) must be shorter than validity (${validityText}), or every apply would renew the certificate`);
  }
  const hostnames: DesiredServerCertificate['hostnames'] = [];
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
  return { hostnames, validitySeconds, renewBeforeSeconds, renewBeforeText, validityText, minProtocol, minProtocolPath };
}

/** True when the CA certificate signed `pem`; false also for a certificate that cannot be read. */
export function signedByCa(pem: string, caCertificatePem: string): boolean {
  try {
    return isIssuedBy(pem, caCertificatePem);
  } catch {
    return false;
  }
}

/**
 * Why the served certificate must be reissued: not signed by the CA
 * (`signedByCa` false; undefined when no CA was given to check against),
 * missing a hostname, expired or due within renewBefore. Empty when it is fine.
 */
export function renewalReasons(
  want: DesiredServerCertificate,
  served: CertificateInfo,
  signedByCa: boolean | undefined,
  now: Date,
): CertificateProblem[] {
  const problems: CertificateProblem[] = [];
  if (signedByCa === false) problems.push({ reason: `the served certificate (serial ${served.serial}) is not signed by provider.ca` });
  for (const hostname of missingHostnames(want, served)) {
    problems.push({ reason: `the served certificate does not name ${hostname.name}`, path: hostname.path });
  }
  const expiry = expiryProblem(want, served, now);
  if (expiry) problems.push({ reason: expiry });
  return problems;
}

/**
 * `certificate-expiry` notices at `address`: the served certificate expires
 * within renewBefore, or misses an endpoint hostname (one notice at each).
 */
export function certificateExpiryNotices(want: DesiredServerCertificate, served: CertificateInfo, now: Date, address: string): PlanNotice[] {
  const notices: PlanNotice[] = [];
  const expiry = expiryProblem(want, served, now);
  if (expiry) notices.push({ ruleId: CERTIFICATE_RULE_ID, message: expiry, address, path: ['provider'] });
  for (const hostname of missingHostnames(want, served)) {
    notices.push({
      ruleId: CERTIFICATE_RULE_ID,
      message: `the served certificate (serial ${served.serial}) does not name ${hostname.name}: clients that verify the hostname are refused`,
      address,
      path: hostname.path,
    });
  }
  return notices;
}

/**
 * The CA from provider.ca, checked before anything is written: it must be
 * able to sign, and must outlive renewBefore, or every certificate it signed
 * would be due at once. A ToolError naming no secret otherwise.
 */
export function signingCa(ca: PemPair, want: DesiredServerCertificate, now: Date): SigningCa {
  const problem = caProblem(ca, now);
  if (problem) throw new ToolError(`provider.ca: ${problem}`);
  const { notAfter } = readCertificate(ca.certificatePem);
  if (notAfter.getTime() - now.getTime() <= want.renewBeforeSeconds * 1000) {
    throw new ToolError(`provider.ca expires on ${notAfter.toISOString()}, within renewBefore (${want.renewBeforeText}): every certificate it signs would be due for renewal at once; create a new CA with \`dbfence ca init\``);
  }
  return { ...ca, notAfter };
}

/** A new key and certificate naming every desired hostname, valid for `validity` but never beyond the CA. */
export function issueDesiredCertificate(want: DesiredServerCertificate, ca: SigningCa, now: Date): IssuedServerCertificate {
  return issueServerCertificate({
    ca,
    hostnames: want.hostnames.map((hostname) => hostname.name),
    notAfter: new Date(Math.min(now.getTime() + want.validitySeconds * 1000, ca.notAfter.getTime())),
    now,
  });
}

function missingHostnames(want: DesiredServerCertificate, served: CertificateInfo): DesiredServerCertificate['hostnames'] {
  return want.hostnames.filter((hostname) => !certificateNamesHost(served.pem, hostname.name));
}

function expiryProblem(want: DesiredServerCertificate, served: CertificateInfo, now: Date): string | undefined {
  const remainingMs = served.notAfter.getTime() - now.getTime();
  const date = served.notAfter.toISOString();
  if (remainingMs <= 0) return `the served certificate (serial ${served.serial}) expired on ${date}`;
  if (remainingMs <= want.renewBeforeSeconds * 1000) {
    return `the served certificate (serial ${served.serial}) expires on ${date}, within renewBefore (${want.renewBeforeText})`;
  }
  return undefined;
}
