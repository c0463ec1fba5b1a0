import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  allowListResponse, isPrivate, maxEntries, refusedEntry, seedService, serviceResponse, startPending, tick,
  type FakeService, type FakeServiceSeed,
} from './state.js';

/**
 * A local stand-in for the SkySQL DBaaS API (`/provisioning/v1`), following
 * the contract in shared/research/skysql-api.md §5: `X-API-Key` auth, the
 * organization of `X-MDB-Org` (the key's default one without it), paged
 * service listing, the allowlist and endpoint operations, `pending_*` states
 * that last a while on the fake's clock, mutations refused while pending, and
 * `errr.ErrorResponse` bodies. It records every request it is sent.
 */
export interface FakeSkysqlOptions {
  apiKey: string;
  services?: FakeServiceSeed[];
  /** The fake's clock (ms); share the adapter's virtual clock to run pending states without waiting. */
  now?: () => number;
  /** How long `pending_modifying` lasts after an allowlist or allowed-accounts change. */
  modifyPendingMs?: number;
  /** How long `pending_upgrade` lasts after a switch between nlb and privateconnect. */
  switchPendingMs?: number;
  /** How a mutation of a busy service is refused: 400 today, 409 on newer builds. */
  busyStatus?: 400 | 409;
  /** The 401 message repeats the key it was sent (to prove the adapter redacts it). */
  echoKeyInErrors?: boolean;
  /**
   * The organizations the key's user belongs to, its default first
   * (`[DEFAULT_ORG]` when absent). A request acts in the one its `X-MDB-Org`
   * names, or in the default, and sees only that organization's services; one
   * naming another organization is refused with 403 (the status is inference).
   */
  organizations?: string[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  apiKey: string | undefined;
  /** The `X-MDB-Org` header, when sent. */
  org: string | undefined;
}

export interface InjectedFailure {
  method: string;
  path: RegExp;
  status: number;
  message: string;
  /** How many matching requests fail; then they succeed again. */
  times: number;
}

export interface FakeSkysql {
  url: string;
  requests: RecordedRequest[];
  /** The requests that change something (everything but GET). */
  mutations(): RecordedRequest[];
  /** The service of that name (in `org`, when two organizations use the name). */
  service(name: string, org?: string): FakeService;
  /** Makes the service busy for `ms` (Infinity: stuck), as a change made elsewhere would. */
  makeBusy(name: string, status: string, ms: number): void;
  /** The next `times` requests get 429, with this Retry-After value when given. */
  rateLimit(times: number, retryAfter?: string): void;
  fail(failure: InjectedFailure): void;
  close(): Promise<void>;
}

const BUSY_MESSAGE = 'service modification not allowed while service is in a pending state';
const SERVICES = '/provisioning/v1/services';
export const DEFAULT_ORG = 'org-default';

export async function startFakeSkysql(options: FakeSkysqlOptions): Promise<FakeSkysql> {
  const now = options.now ?? Date.now;
  const organizations = options.organizations ?? [DEFAULT_ORG];
  const services = (options.services ?? []).map((seed) => seedService(seed, now(), organizations[0]!));
  const requests: RecordedRequest[] = [];
  const failures: InjectedFailure[] = [];
  let rateLimited = { times: 0, retryAfter: undefined as string | undefined };

  const server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const apiKey = header(req, 'x-api-key');
      const org = header(req, 'x-mdb-org');
      let body: unknown = undefined;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      requests.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), body, apiKey, org });
      const reply = new Reply(res, url.pathname);
      if (rateLimited.times > 0) {
        rateLimited.times -= 1;
        reply.error(429, 'too_many_requests', 'rate limit exceeded', rateLimited.retryAfter === undefined ? {} : { 'Retry-After': rateLimited.retryAfter });
        return;
      }
      if (apiKey !== options.apiKey) {
        reply.error(401, 'unauthorized', options.echoKeyInErrors ? `invalid API key: ${apiKey ?? ''}` : 'invalid or missing API key');
        return;
      }
      const organization = org ?? organizations[0]!;
      if (!organizations.includes(organization)) {
        reply.error(403, 'forbidden', `the user of this API key is not a member of organization ${organization}`);
        return;
      }
      const failure = failures.find((f) => f.times > 0 && f.method === req.method && f.path.test(url.pathname));
      if (failure) {
        failure.times -= 1;
        reply.error(failure.status, 'injected', failure.message);
        return;
      }
      route(req.method ?? 'GET', url, body, reply, services.filter((service) => service.org === organization));
    });
  });

  function route(method: string, url: URL, body: unknown, reply: Reply, visible: FakeService[]): void {
    if (url.pathname === SERVICES && method === 'GET') return listServices(url, reply, visible);
    const match = /^\/provisioning\/v1\/services\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const service = match ? visible.find((s) => s.id === decodeURIComponent(match[1]!)) : undefined;
    if (!match || !service) return reply.error(404, 'not_found', match ? `service ${match[1]} not found` : `no route ${method} ${url.pathname}`);
    tick(service, now());
    const rest = match[2] ?? '';
    const key = `${method} ${rest}`;
    const mutating = method !== 'GET';
    if (mutating && service.status.startsWith('pending_') && (rest === '/security/allowlist' || rest === '/endpoints')) {
      return reply.error(options.busyStatus ?? 400, 'pending_state', BUSY_MESSAGE);
    }
    switch (key) {
      case 'GET ':
        return reply.json(200, serviceResponse(service));
      case 'GET /security/allowlist':
        return reply.json(200, allowListResponse(service));
      case 'PUT /security/allowlist':
        return replaceAllowlist(service, body, reply);
      case 'POST /security/allowlist':
      case 'DELETE /security/allowlist':
        return editAllowlist(service, method, body, reply);
      case 'PATCH /endpoints':
        return modifyEndpoint(service, body, reply);
      default:
        return reply.error(404, 'not_found', `no route ${method} ${url.pathname}`);
    }
  }

  function listServices(url: URL, reply: Reply, visible: FakeService[]): void {
    const sizeText = url.searchParams.get('page_size') ?? '10';
    const size = Number(sizeText);
    if (!/^\d+$/.test(sizeText) || size < 1 || size > 100) return reply.error(400, 'bad_request', 'page_size must be between 1 and 100');
    const token = url.searchParams.get('page_token');
    const offset = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString().replace(/^offset:/, ''));
    if (!Number.isInteger(offset) || offset < 0 || offset > visible.length) return reply.error(400, 'bad_request', 'invalid page_token');
    const page = visible.slice(offset, offset + size);
    for (const service of page) tick(service, now());
    const headers: Record<string, string> = {};
    if (offset + size < visible.length) headers['X-SkySQL-Page-Token-Next'] = Buffer.from(`offset:${offset + size}`).toString('base64url');
    if (offset > 0) headers['X-SkySQL-Page-Token-Previous'] = Buffer.from(`offset:${Math.max(0, offset - size)}`).toString('base64url');
    reply.json(200, page.map(serviceResponse), headers);
  }

  function replaceAllowlist(service: FakeService, body: unknown, reply: Reply): void {
    if (!Array.isArray(body)) return reply.error(400, 'bad_request', 'the request body must be an array of allowlist items');
    for (const item of body as { ip?: unknown }[]) {
      const refused = refusedEntry(item?.ip);
      if (refused) return reply.error(400, 'bad_request', refused);
    }
    if (body.length > maxEntries(service.provider)) {
      return reply.error(400, 'bad_request', `allowlists exceeding ${maxEntries(service.provider)} IP addresses are not permitted`);
    }
    service.allowList = (body as { ip: string; comment?: unknown }[]).map((item) => ({ ip: item.ip, comment: typeof item.comment === 'string' ? item.comment : '' }));
    startPending(service, 'pending_modifying', now(), options.modifyPendingMs ?? 2_000);
    reply.json(200, allowListResponse(service));
  }

  function editAllowlist(service: FakeService, method: string, body: unknown, reply: Reply): void {
    const ip = (body as { ip_address?: unknown } | undefined)?.ip_address;
    const refused = refusedEntry(ip);
    if (refused) return reply.error(400, 'bad_request', refused);
    if (method === 'POST' && !service.allowList.some((item) => item.ip === ip)) {
      if (service.allowList.length >= maxEntries(service.provider)) {
        return reply.error(400, 'bad_request', `allowlists exceeding ${maxEntries(service.provider)} IP addresses are not permitted`);
      }
      service.allowList.push({ ip: ip as string, comment: '' });
    }
    if (method === 'DELETE') service.allowList = service.allowList.filter((item) => item.ip !== ip);
    reply.json(200, allowListResponse(service));
  }

  function modifyEndpoint(service: FakeService, body: unknown, reply: Reply): void {
    const request = Array.isArray(body) ? (body[0] as { mechanism?: unknown; allowed_accounts?: unknown } | undefined) : undefined;
    const mechanism = request?.mechanism;
    if (mechanism !== 'nlb' && mechanism !== 'privateconnect' && mechanism !== 'privatelink') {
      return reply.error(400, 'bad_request', 'mechanism must be privateconnect or nlb');
    }
    const accounts = Array.isArray(request?.allowed_accounts) ? (request.allowed_accounts as string[]) : [];
    if (isPrivate(mechanism) && accounts.length === 0) {
      return reply.error(400, 'bad_request', 'allowed_accounts is required when mechanism is privateconnect');
    }
    if (isPrivate(mechanism) !== isPrivate(service.mechanism)) {
      // The endpoint is destroyed and recreated; enabling private connect clears the allowlist for good.
      if (isPrivate(mechanism)) service.allowList = [];
      service.endpointService = '';
      startPending(service, 'pending_upgrade', now(), options.switchPendingMs ?? 5_000);
    } else {
      startPending(service, 'pending_modifying', now(), options.modifyPendingMs ?? 2_000);
    }
    service.mechanism = mechanism;
    service.allowedAccounts = isPrivate(mechanism) ? [...accounts] : [];
    reply.json(200, (serviceResponse(service).endpoints as unknown[]));
  }

  function find(name: string, org?: string): FakeService {
    const found = services.find((service) => service.name === name && (org === undefined || service.org === org));
    if (!found) throw new Error(`the fake has no service ${name}`);
    return found;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    mutations: () => requests.filter((request) => request.method !== 'GET'),
    service: find,
    makeBusy(name, status, ms) {
      startPending(find(name), status, now(), ms);
    },
    rateLimit(times, retryAfter) {
      rateLimited = { times, retryAfter };
    },
    fail(failure) {
      failures.push({ ...failure });
    },
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

class Reply {
  constructor(
    private readonly res: ServerResponse,
    private readonly path: string,
  ) {}

  json(status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    this.res.end(JSON.stringify(body));
  }

  /** `errr.ErrorResponse`. */
  error(status: number, error: string, message: string, headers: Record<string, string> = {}): void {
    this.json(status, {
      code: status,
      errors: [{ error, message, type: 'error' }],
      exception: error,
      path: this.path,
      timestamp: Math.floor(Date.now() / 1000),
      trace_id: 'fake-trace-0001',
    }, headers);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
