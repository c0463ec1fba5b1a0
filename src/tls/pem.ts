/** A certificate and its private key, both PEM with LF line endings. */
export interface PemPair {
  certificatePem: string;
  keyPem: string;
}

/**
 * PEM with LF line endings and one final newline. node-forge writes CRLF,
 * which PostgreSQL cannot load once COPY has escaped the `\r`.
 */
export function normalizePem(pem: string): string {
  return `${pem.replace(/\r/g, '').trimEnd()}\n`;
}
