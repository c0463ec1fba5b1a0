/**
 * How long to wait before trying a request again: what the API's Retry-After
 * says (seconds or an HTTP date), else an exponential back-off.
 */
export function retryDelayMs(attempt: number, retryAfter: string | null, now: Date, baseMs: number): number {
  if (retryAfter !== null) {
    const text = retryAfter.trim();
    if (/^\d+$/.test(text)) return Number(text) * 1_000;
    const at = Date.parse(text);
    if (!Number.isNaN(at)) return Math.max(0, at - now.getTime());
  }
  return baseMs * 2 ** (attempt - 1);
}

/** 429 is safe to repeat for any method: the API did not act on the request. */
export function isRetryableStatus(status: number, idempotent: boolean): boolean {
  return status === 429 || (idempotent && status >= 500);
}
