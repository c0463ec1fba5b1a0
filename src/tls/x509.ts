import { randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { normalizePem } from './pem.js';

/** Clients whose clock runs a little behind must not see a certificate from the future. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface CertificateTemplate {
  /** The subject's private key (PEM); its public half goes into the certificate. */
  subjectKeyPem: string;
  subject: forge.pki.CertificateField[];
  /** The signer; absent for a self-signed certificate. */
  issuer?: { certificate: forge.pki.Certificate; keyPem: string };
  now: Date;
  notAfter: Date;
  extensions: object[];
}

export interface SignedCertificate {
  certificatePem: string;
  /** Upper-case hex without leading zeros, as Node and OpenSSL print it. */
  serial: string;
}

/** Builds and signs (SHA-256) an X.509 v3 certificate with a random 128-bit serial. */
export function signCertificate(template: CertificateTemplate): SignedCertificate {
  const subjectKey = forge.pki.privateKeyFromPem(template.subjectKeyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(subjectKey.n, subjectKey.e);
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = new Date(template.now.getTime() - CLOCK_SKEW_MS);
  cert.validity.notAfter = template.notAfter;
  cert.setSubject(template.subject);
  cert.setIssuer(template.issuer ? template.issuer.certificate.subject.attributes : template.subject);
  cert.setExtensions([{ name: 'subjectKeyIdentifier' }, ...template.extensions]);
  const signingKey = template.issuer ? forge.pki.privateKeyFromPem(template.issuer.keyPem) : subjectKey;
  cert.sign(signingKey, forge.md.sha256.create());
  return { certificatePem: normalizePem(forge.pki.certificateToPem(cert)), serial: normalizeSerial(cert.serialNumber) };
}

/** Serials as Node's X509Certificate and the TLS peer certificate print them. */
export function normalizeSerial(hex: string): string {
  return hex.toUpperCase().replace(/^0+(?=.)/, '');
}

/** 16 random bytes as a positive DER integer: top bit clear, first byte non-zero (minimal encoding). */
function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) || 0x01;
  return bytes.toString('hex');
}
