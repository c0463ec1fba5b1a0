import { generateKeyPairSync } from 'node:crypto';

/**
 * A new RSA private key as PKCS#8 PEM. Node's native generator, because
 * node-forge's pure JavaScript one can take seconds for a 3072-bit key.
 * RSA because node-forge signs certificates with RSA keys only.
 */
export function generateRsaKeyPem(bits: 2048 | 3072): string {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return privateKey;
}
