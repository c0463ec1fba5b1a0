import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { normalizeSerial } from './x509.js';

/** What a reviewer and the plan need to know about a certificate; public data only. */
export interface CertificateInfo {
  /** Upper-case hex without leading zeros. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** The subject alternative names, e.g. `orders.db.example.com`, `10.0.0.5`. */
  names: string[];
  subject: string;
  issuer: string;
  pem: string;
}

/** Reads a PEM certificate (any key type: Node parses what node-forge cannot). Throws on anything else. */
export function readCertificate(pem: string): CertificateInfo {
  const cert = new X509Certificate(pem);
  return {
    serial: normalizeSerial(cert.serialNumber),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    names: subjectAltNames(cert.subjectAltName),
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    pem: cert.toString(),
  };
}

/** True when a client verifying `hostname` (a DNS name or an IP literal) would accept the certificate. */
export function certificateNamesHost(pem: string, hostname: string): boolean {
  const cert = new X509Certificate(pem);
  // Like libpq and Node, match SANs only: a CN is ignored once a certificate has SANs.
  return isIP(hostname) !== 0
    ? cert.checkIP(hostname) !== undefined
    : cert.checkHost(hostname, { subject: 'never', wildcards: true, partialWildcards: false }) !== undefined;
}

/** True when `keyPem` is the private key of the certificate; false for a key that cannot be read. */
export function keyMatchesCertificate(certificatePem: string, keyPem: string): boolean {
  try {
    return new X509Certificate(certificatePem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** True when the certificate is signed by the CA certificate's key. */
export function isIssuedBy(certificatePem: string, caCertificatePem: string): boolean {
  const cert = new X509Certificate(certificatePem);
  const ca = new X509Certificate(caCertificatePem);
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

/**
 * Node prints SANs as `DNS:a.example.com, IP Address:10.0.0.5`, quoting a
 * value as JSON when it holds a comma or a quote.
 */
function subjectAltNames(text: string | undefined): string[] {
  if (text === undefined) return [];
  const names: string[] = [];
  for (const match of text.matchAll(/(?:^|, )(DNS|IP Address):("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const value = match[2]!;
    names.push(value.startsWith('"') ? (JSON.parse(value) as string) : value);
  }
  return names;
}
