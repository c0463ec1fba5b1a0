import { isIP } from 'node:net';
import forge from 'node-forge';
import { generateRsaKeyPem } from './keys.js';
import { normalizePem, type PemPair } from './pem.js';
import { signCertificate } from './x509.js';

export interface ServerCertificateRequest {
  ca: PemPair;
  /** DNS names and IP literals clients will verify; at least one. */
  hostnames: readonly string[];
  notAfter: Date;
  now?: Date;
}

export interface IssuedServerCertificate extends PemPair {
  /** Upper-case hex, as the TLS peer certificate reports it. */
  serial: string;
}

/** A new key and a TLS server certificate for it, signed by the CA. */
export function issueServerCertificate(request: ServerCertificateRequest): IssuedServerCertificate {
  if (request.hostnames.length === 0) throw new Error('a server certificate needs at least one hostname');
  const caCertificate = forge.pki.certificateFromPem(request.ca.certificatePem);
  const keyPem = generateRsaKeyPem(2048);
  const first = request.hostnames[0]!;
  const { certificatePem, serial } = signCertificate({
    subjectKeyPem: keyPem,
    // A CN holds at most 64 characters; clients read the SANs anyway.
    subject: [{ name: 'commonName', value: first.length <= 64 ? first : 'dbfence server' }],
    issuer: { certificate: caCertificate, keyPem: request.ca.keyPem },
    now: request.now ?? new Date(),
    notAfter: request.notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: request.hostnames.map(altName) },
      ...authorityKeyIdentifier(caCertificate),
    ],
  });
  return { certificatePem, keyPem: normalizePem(keyPem), serial };
}

function altName(hostname: string): { type: number; value?: string; ip?: string } {
  // GeneralName types of RFC 5280: 2 is dNSName, 7 is iPAddress.
  return isIP(hostname) !== 0 ? { type: 7, ip: hostname } : { type: 2, value: hostname };
}

/**
 * Points at the CA's own subject key identifier. Computing one instead could
 * differ from what another tool wrote into the CA, and then OpenSSL would not
 * find the issuer.
 */
function authorityKeyIdentifier(caCertificate: forge.pki.Certificate): object[] {
  const ski = caCertificate.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined;
  if (!ski?.subjectKeyIdentifier) return [];
  return [{ name: 'authorityKeyIdentifier', keyIdentifier: forge.util.hexToBytes(ski.subjectKeyIdentifier) }];
}
