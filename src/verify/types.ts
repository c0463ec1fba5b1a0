/**
 * The checks `dbfence verify` runs for every integration, each proved from
 * the client's side where it can be (and with the admin URL's view of the
 * server as extra evidence where it cannot).
 */
export const CHECKS = [
  'certificate', 'tls-required', 'credentials', 'from', 'grants-readable', 'ungranted-denied', 'read-only', 'sensitive-denied',
] as const;

export type Check = (typeof CHECKS)[number];

/** One line of the proof table. `detail` says what was tried and what the server answered; it never holds a secret. */
export interface Proof {
  integration: string;
  check: Check;
  ok: boolean;
  detail: string;
}

export interface ProofSummary {
  integrations: number;
  proofs: number;
  failed: number;
}

export interface VerifyResult {
  /** The file as named in the report. */
  file: string;
  proofs: Proof[];
  summary: ProofSummary;
}

export function summarizeProofs(proofs: readonly Proof[]): ProofSummary {
  return {
    integrations: new Set(proofs.map((proof) => proof.integration)).size,
    proofs: proofs.length,
    failed: proofs.filter((proof) => !proof.ok).length,
  };
}
