import { createPrivateKey, X509Certificate } from 'node:crypto';
import { generateRsaKeyPem } from './keys.js';
import { normalizePem, type PemPair } from './pem.js';
import { signCertificate } from './x509.js';

export interface CaOptions {
  commonName: string;
  validityDays: number;
  now?: Date;
}

/** A new self-signed CA that may sign server certificates only (path length 0). */
export function createCa(options: CaOptions): PemPair {
  const now = options.now ?? new Date();
  const keyPem = generateRsaKeyPem(3072);
  const { certificatePem } = signCertificate({
    subjectKeyPem: keyPem,
    subject: [{ name: 'commonName', value: options.commonName }],
    now,
    notAfter: new Date(now.getTime() + options.validityDays * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return { certificatePem, keyPem: normalizePem(keyPem) };
}

/**
 * Why a certificate and key cannot sign server certificates, or undefined
 * when they can. The messages name no secret.
 */
export function caProblem(ca: PemPair, now: Date): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(ca.certificatePem);
  } catch {
    return 'the certificate is not a PEM certificate';
  }
  if (!cert.ca) return 'the certificate is not a CA certificate (basicConstraints CA:TRUE is missing)';
  if (now < new Date(cert.validFrom)) return `the CA certificate is not valid before ${new Date(cert.validFrom).toISOString()}`;
  if (now > new Date(cert.validTo)) return `the CA certificate expired on ${new Date(cert.validTo).toISOString()}`;
  let key;
  try {
    key = createPrivateKey(ca.keyPem);
  } catch {
    return 'the key is not an unencrypted PEM private key';
  }
  if (key.asymmetricKeyType !== 'rsa') return `the key is ${key.asymmetricKeyType?.toUpperCase() ?? 'of an unknown type'}; dbfence signs with RSA CA keys only`;
  if (!cert.checkPrivateKey(key)) return 'the key does not belong to the certificate';
  return undefined;
}
