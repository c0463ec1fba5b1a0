import { X509Certificate } from 'node:crypto';
import { ToolError } from '../errors.js';
import type { SecretRef } from '../model/config.js';
import type { SecretResolver } from '../providers/types.js';
import { caProblem } from './ca.js';
import { normalizePem, type PemPair } from './pem.js';

/** The `provider.ca` setting of a self-managed provider: the CA dbfence signs server certificates with. */
interface CaSettings {
  ca?: { certificate: SecretRef; key: SecretRef };
}

/** The CA that signs server certificates, from provider.ca; a ToolError when it cannot sign. */
export function resolveProviderCa(settings: CaSettings, secrets: SecretResolver, now = new Date()): PemPair {
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
export function resolveProviderCaCertificate(settings: CaSettings, secrets: SecretResolver): string {
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
