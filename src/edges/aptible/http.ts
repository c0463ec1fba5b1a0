import { ToolError } from '../../errors.js';
import { credentialDestination, redirectRefusal, sameDestination } from '../../providers/destination.js';
import { embeddedList, type HalResource, optionalLink } from './hal.js';
import { isRetryableStatus, retryDelayMs } from './retry.js';
import { type AptibleTimings, formatDuration, type Sleep } from './timings.js';

/** An error answer of the API; `status` lets callers treat a 404 as "gone". */
export class AptibleApiError extends ToolError {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

export interface AptibleClientOptions {
  apiUrl: string;
  /** Read on the first request, so building a provider never touches a secret. */
  token: () => string;
  /** Where the token comes from, for messages: "the environment variable APTIBLE_ACCESS_TOKEN". */
  tokenSource: string;
  userAgent: string;
  timings: AptibleTimings;
  sleep: Sleep;
  now: () => Date;
  log: (message: string) => void;
}

type Method = 'GET' | 'POST' | 'PUT';

// Large pages keep an environment to a few requests; the server may cap it and
// the `next` links are followed either way.
const PAGE_SIZE = 100;
const MESSAGE_LIMIT = 300;

/**
 * The Deploy API over fetch: bearer auth, HAL links kept on the API's own
 * origin, bounded retries, and errors that name the request but never the token.
 */
export class AptibleClient {
  private readonly base: URL;
  private token: string | undefined;

  constructor(private readonly options: AptibleClientOptions) {
    this.base = credentialDestination(options.apiUrl, 'provider.apiUrl');
  }

  get(target: string): Promise<HalResource> {
    return this.request('GET', target);
  }

  post(target: string, body: object): Promise<HalResource> {
    return this.request('POST', target, body);
  }

  put(target: string, body: object): Promise<HalResource> {
    return this.request('PUT', target, body);
  }

  /** Every item of a list, following `_links.next` from page to page. */
  async list(target: string, collection: string, query: Record<string, string> = {}): Promise<HalResource[]> {
    const first = this.resolve(target);
    first.searchParams.set('per_page', String(PAGE_SIZE));
    for (const [key, value] of Object.entries(query)) first.searchParams.set(key, value);
    const items: HalResource[] = [];
    const seen = new Set<string>();
    let next: string | undefined = first.href;
    while (next !== undefined) {
      const url = this.resolve(next);
      if (seen.has(url.href)) throw new ToolError(`Aptible API: the pages of ${url.pathname} loop back to ${url.search}`);
      seen.add(url.href);
      const page = await this.get(url.href);
      items.push(...embeddedList(page, collection, `GET ${url.pathname}`));
      next = optionalLink(page, 'next');
    }
    return items;
  }

  /** A path of the API, or an href it returned: on the API's own origin only (see sameDestination). */
  resolve(target: string): URL {
    return sameDestination(this.base, target, 'Aptible API');
  }

  private async request(method: Method, target: string, body?: object): Promise<HalResource> {
    const url = this.resolve(target);
    const label = `${method} ${url.pathname}`;
    const idempotent = method !== 'POST';
    const { maxAttempts } = this.options.timings;
    const headers = this.headers(body !== undefined);
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          redirect: 'manual',
          signal: AbortSignal.timeout(this.options.timings.requestTimeoutMs),
        });
      } catch (error) {
        const reason = this.describeFailure(error);
        // A POST that got no answer may have been carried out: repeating it could create a second endpoint.
        if (!idempotent || attempt >= maxAttempts) {
          throw new ToolError(`Aptible API: ${label} failed: ${reason}${attempt > 1 ? ` (${attempt} attempts)` : ''}`);
        }
        await this.backOff(label, reason, attempt, null);
        continue;
      }
      if (isRetryableStatus(response.status, idempotent)) {
        await response.body?.cancel();
        const reason = response.status === 429 ? 'rate limited (429)' : `server error (${response.status})`;
        if (attempt >= maxAttempts) {
          throw new AptibleApiError(`Aptible API: ${label} still ${reason} after ${attempt} attempts`, response.status);
        }
        await this.backOff(label, reason, attempt, response.headers.get('retry-after'));
        continue;
      }
      return this.read(response, label);
    }
  }

  private headers(hasBody: boolean): Record<string, string> {
    this.token ??= this.options.token();
    return {
      Authorization: `Bearer ${this.token}`,
      Accept: 'application/hal+json',
      // dbfence never needs credentials or connection URLs; asking for them would also log "show" activity.
      Prefer: 'no_sensitive_extras=true',
      'User-Agent': this.options.userAgent,
      ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
    };
  }

  private async backOff(label: string, reason: string, attempt: number, retryAfter: string | null): Promise<void> {
    const { timings } = this.options;
    const delay = retryDelayMs(attempt, retryAfter, this.options.now(), timings.retryBaseMs);
    if (delay > timings.maxRetryWaitMs) {
      throw new ToolError(`Aptible API: ${label} ${reason}; the API asks to wait ${formatDuration(delay)}, longer than dbfence waits (${formatDuration(timings.maxRetryWaitMs)})`);
    }
    this.options.log(`Aptible API: ${label} ${reason}; trying again in ${formatDuration(delay)} (attempt ${attempt + 1} of ${timings.maxAttempts})`);
    await this.options.sleep(delay);
  }

  private async read(response: Response, label: string): Promise<HalResource> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new ToolError(`Aptible API: ${label}: the answer was cut off: ${this.describeFailure(error)}`);
    }
    if (response.status >= 200 && response.status < 300) {
      if (text.trim() === '') return {};
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as HalResource;
      } catch {
        // reported below
      }
      throw new ToolError(`Aptible API: ${label} answered ${response.status} with a body that is not a JSON object`);
    }
    throw new AptibleApiError(this.errorMessage(response, label, text), response.status);
  }

  private errorMessage(response: Response, label: string, text: string): string {
    const { status } = response;
    if (status >= 300 && status < 400) return redirectRefusal('Aptible API', label, status, response.headers.get('location'), this.base);
    const detail = this.serverDetail(text);
    if (status === 401) {
      return `Aptible rejected the token from ${this.options.tokenSource} (401 on ${label}): it is invalid or expired; make a new one with \`aptible login\``;
    }
    if (status === 403) {
      return `Aptible refused ${label} (403): the token's user lacks the permission in this environment${detail ? `: ${detail}` : ''}`;
    }
    return `Aptible API: ${label} failed with ${status}${detail ? `: ${detail}` : ''}`;
  }

  /** The `{code, error, message}` body, shortened, with the token masked should a server ever echo it. */
  private serverDetail(text: string): string {
    let detail = '';
    try {
      const body = JSON.parse(text) as { error?: unknown; message?: unknown };
      const slug = typeof body.error === 'string' ? body.error : '';
      const message = typeof body.message === 'string' ? body.message : '';
      detail = slug && message ? `${slug}: ${message}` : slug || message;
    } catch {
      detail = '';
    }
    if (detail.length > MESSAGE_LIMIT) detail = `${detail.slice(0, MESSAGE_LIMIT)}…`;
    return this.token ? detail.split(this.token).join('***') : detail;
  }

  private describeFailure(error: unknown): string {
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      return `no answer within ${formatDuration(this.options.timings.requestTimeoutMs)}`;
    }
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    if (typeof cause?.code === 'string') return `cannot reach ${this.base.origin} (${cause.code})`;
    return `cannot reach ${this.base.origin}`;
  }
}
