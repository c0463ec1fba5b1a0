/**
 * Timings and bounds of the SkySQL provider. Every wait goes through `sleep`
 * and every deadline through the context clock, so tests can run the slow
 * paths (pending services, rate limits) in milliseconds.
 */
export interface SkysqlOptions {
  /** Between two reads of a service while waiting for it to settle. */
  pollIntervalMs: number;
  /** How long a change may take to settle before apply gives up on it. */
  readyTimeoutMs: number;
  /** Between two attempts of a call refused because the service is busy (400/409 "pending state"). */
  pendingRetryMs: number;
  /** How long a busy service is retried before giving up. */
  pendingTimeoutMs: number;
  /** One HTTP request, from sending to the whole body read. */
  requestTimeoutMs: number;
  /** Retries of one call after a 429, a 502/503/504, a network error or a timeout. */
  maxRetries: number;
  /** The first backoff when no Retry-After is given; it doubles with each retry. */
  retryDelayMs: number;
  /** A Retry-After longer than this fails the call instead of stalling the run. */
  maxRetryAfterMs: number;
  /** Services per page when listing (the API takes 1 to 100). */
  pageSize: number;
  sleep(ms: number): Promise<void>;
}

const MINUTE = 60_000;

export const DEFAULT_OPTIONS: SkysqlOptions = {
  // The official Terraform provider retries a busy service every 10 s for up to 30 min.
  pollIntervalMs: 10_000,
  readyTimeoutMs: 30 * MINUTE,
  pendingRetryMs: 10_000,
  pendingTimeoutMs: 30 * MINUTE,
  requestTimeoutMs: 30_000,
  maxRetries: 5,
  retryDelayMs: 2_000,
  maxRetryAfterMs: 2 * MINUTE,
  pageSize: 100,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 60) return `${seconds}s`;
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}
