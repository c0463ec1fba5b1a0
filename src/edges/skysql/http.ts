import { ToolError } from '../../errors.js';
import { credentialDestination, redirectRefusal, sameDestination } from '../../providers/destination.js';
import { errorMessageOf, isPendingRejection } from './api-error.js';
import { formatDuration, type SkysqlOptions } from './options.js';

export interface SkysqlHttpConfig {
  baseUrl: string;
  /** Called on the first request only, so work that needs no request needs no key. */
  apiKey(): string;
  /** Where the key comes from, for messages (never the key itself). */
  keySource: string;
  /** The organization every request acts in (`X-MDB-Org`); the key's default one when undefined. */
  orgId?: string;
  options: SkysqlOptions;
  now(): Date;
  log(message: string): void;
}

export interface HttpResponse<T> {
  body: T;
  headers: Headers;
}

export interface RequestInit {
  query?: Record<string, string | undefined>;
  body?: unknown;
}

type Attempt =
  | { kind: 'ok'; response: Response; text: string }
  | { kind: 'busy'; detail: string }
  | { kind: 'transient'; what: string; retryAfterMs?: number }
  | { kind: 'fatal'; message: string };

const TRANSIENT_STATUSES = new Set([429, 502, 503, 504]);

/**
 * The transport: `X-API-Key` auth (and `X-MDB-Org`, the organization), a timeout per request, bounded retries of
 * rate limits and transient failures (honouring Retry-After), retries of a
 * busy service until a deadline, and one-line ToolErrors naming the request.
 * Every message passes through `redact`, so not even an API echoing the key
 * back can put it in a log or an error.
 */
export class SkysqlHttp {
  private readonly base: URL;
  private key: string | undefined;

  constructor(private readonly config: SkysqlHttpConfig) {
    this.base = credentialDestination(config.baseUrl, 'provider.apiUrl');
  }

  async request<T>(method: string, path: string, init: RequestInit = {}): Promise<HttpResponse<T>> {
    const label = `SkySQL ${method} ${path}`;
    const { options } = this.config;
    const started = this.config.now().getTime();
    let retries = 0;
    for (;;) {
      const attempt = await this.attempt(method, path, init, label);
      switch (attempt.kind) {
        case 'ok':
          return { body: parseBody<T>(attempt.text, label), headers: attempt.response.headers };
        case 'fatal':
          throw new ToolError(this.redact(attempt.message));
        case 'busy': {
          const waited = this.config.now().getTime() - started;
          if (waited + options.pendingRetryMs > options.pendingTimeoutMs) {
            throw new ToolError(this.redact(`${label}: the service stayed busy with an earlier change for ${formatDuration(waited)} (${attempt.detail}); try again once it is ready`));
          }
          this.config.log(this.redact(`skysql: the service is busy with an earlier change; retrying ${method} ${path} in ${formatDuration(options.pendingRetryMs)}`));
          await options.sleep(options.pendingRetryMs);
          break;
        }
        case 'transient': {
          if (retries >= options.maxRetries) {
            throw new ToolError(this.redact(`${label}: ${attempt.what}, still after ${options.maxRetries} retries`));
          }
          const wait = attempt.retryAfterMs ?? options.retryDelayMs * 2 ** retries;
          if (wait > options.maxRetryAfterMs) {
            throw new ToolError(this.redact(`${label}: ${attempt.what}, and the API asks to wait ${formatDuration(wait)}, longer than the ${formatDuration(options.maxRetryAfterMs)} dbfence waits`));
          }
          retries += 1;
          this.config.log(this.redact(`skysql: ${attempt.what} on ${method} ${path}; retry ${retries} of ${options.maxRetries} in ${formatDuration(wait)}`));
          await options.sleep(wait);
          break;
        }
      }
    }
  }

  private async attempt(method: string, path: string, init: RequestInit, label: string): Promise<Attempt> {
    const url = sameDestination(this.base, path, 'SkySQL API');
    for (const [name, value] of Object.entries(init.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const headers: Record<string, string> = { 'X-API-Key': this.apiKey(), Accept: 'application/json' };
    // A key whose user belongs to several organizations acts in its default one unless told (as the Terraform provider's org_id does).
    if (this.config.orgId !== undefined) headers['X-MDB-Org'] = this.config.orgId;
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        // fetch would follow a redirect with the X-API-Key header, to any host.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.options.requestTimeoutMs),
      });
      text = await response.text();
    } catch (error) {
      return { kind: 'transient', what: describeFetchFailure(error, this.config.options.requestTimeoutMs) };
    }
    if (response.ok) return { kind: 'ok', response, text };
    if (response.status >= 300 && response.status < 400) {
      return { kind: 'fatal', message: redirectRefusal('SkySQL API', `${method} ${path}`, response.status, response.headers.get('location'), this.base) };
    }
    const message = errorMessageOf(text);
    const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    if (TRANSIENT_STATUSES.has(response.status)) {
      return {
        kind: 'transient',
        what: `${status}${message ? ` (${message})` : ''}`,
        retryAfterMs: retryAfterMs(response.headers.get('retry-after'), this.config.now().getTime()),
      };
    }
    if (isPendingRejection(response.status, message)) return { kind: 'busy', detail: `${status}${message ? `: ${message}` : ''}` };
    const detail = message ? `: ${message}` : '';
    switch (response.status) {
      case 401:
        return { kind: 'fatal', message: `SkySQL rejected the API key from ${this.config.keySource} (${status} on ${method} ${path})${detail}; check that the key is valid and not expired` };
      case 403:
        return { kind: 'fatal', message: `the API key from ${this.config.keySource} may not ${method} ${path}${this.config.orgId === undefined ? '' : ` in organization ${this.config.orgId} (provider.orgId)`} (${status})${detail}` };
      default:
        return { kind: 'fatal', message: `${label} failed: ${status}${detail}` };
    }
  }

  private apiKey(): string {
    this.key ??= this.config.apiKey();
    return this.key;
  }

  private redact(message: string): string {
    return this.key ? message.split(this.key).join('[redacted]') : message;
  }
}

function parseBody<T>(text: string, label: string): T {
  if (text.trim() === '') return null as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ToolError(`${label}: the answer is not JSON`);
  }
}

/** Retry-After is delay-seconds or an HTTP date. */
function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${formatDuration(timeoutMs)}`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return `network error (${cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))})`;
}
