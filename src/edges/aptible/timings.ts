/** How long dbfence waits on the Aptible API; tests shrink these to milliseconds. */
export interface AptibleTimings {
  /** One HTTP request, from sending to the end of the body. */
  requestTimeoutMs: number;
  /** Tries per request when the API answers 429, or 5xx / no answer to an idempotent request. */
  maxAttempts: number;
  /** First back-off when the API gives no Retry-After; doubles with each try. */
  retryBaseMs: number;
  /** A Retry-After longer than this ends the run instead of stalling it. */
  maxRetryWaitMs: number;
  /** Between two reads of a running operation. */
  pollIntervalMs: number;
  /** How long one operation (provision, deprovision, restart) may take. */
  operationTimeoutMs: number;
}

export const DEFAULT_TIMINGS: AptibleTimings = {
  requestTimeoutMs: 30_000,
  maxAttempts: 5,
  retryBaseMs: 1_000,
  maxRetryWaitMs: 60_000,
  // Between the CLI's 1 s and Terraform's 5 s.
  pollIntervalMs: 2_000,
  // Provisioning a load balancer or restarting a large database takes minutes.
  operationTimeoutMs: 30 * 60_000,
};

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `90000` → `1m 30s`, for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  const seconds = Math.round(ms / 1_000);
  const minutes = Math.floor(seconds / 60);
  if (minutes === 0) return `${seconds}s`;
  return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m ${seconds % 60}s`;
}
