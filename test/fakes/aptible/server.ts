import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import ipaddr from 'ipaddr.js';
import { FakeAptibleModel, type FakeAccount, type FakeService } from './model.js';
import { HalRenderer } from './render.js';

/** One request the fake received, for assertions. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The raw body text, as sent. */
  body: string;
  status: number;
}

export interface FakeAptibleOptions {
  /** The only token accepted; anything else gets 401. */
  token: string;
  /** The server's page size cap: small, so clients must follow `next`. */
  maxPerPage?: number;
  /** A careless server that repeats the presented credentials in its error messages. */
  echoTokenInErrors?: boolean;
}

interface Injected {
  status: number;
  remaining: number;
  retryAfter: string | null;
  methods: string[] | undefined;
}

class HttpFailure extends Error {
  constructor(readonly status: number, readonly slug: string, message: string) {
    super(message);
  }
}

const MAX_IP_FILTER_ENTRIES = 50;

function validIpv4Source(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || address === undefined || !ipaddr.IPv4.isValidFourPartDecimal(address)) return false;
  return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= 32);
}

/**
 * A local stand-in for the Aptible Deploy API (the subset of §5 of the
 * research that dbfence uses): bearer auth, HAL+JSON with absolute links,
 * paging, operations advanced by polling, 429/5xx on demand, and a log of
 * every request.
 */
export class FakeAptible {
  readonly model = new FakeAptibleModel();
  readonly requests: RecordedRequest[] = [];
  /** Awaited before each request is answered: what the platform does meanwhile (a restart ends the database's sessions). */
  beforeAnswer: (request: RecordedRequest) => Promise<void> = async () => {};
  private readonly injected: Injected[] = [];
  private render!: HalRenderer;
  private server!: Server;
  url = '';

  constructor(private readonly options: FakeAptibleOptions) {}

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.render = new HalRenderer(this.url);
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `times` requests (of these methods) are answered 429 with this Retry-After (seconds; null: none). */
  throttle(times: number, retryAfter: string | null = '0', methods?: string[]): void {
    this.injected.push({ status: 429, remaining: times, retryAfter, methods });
  }

  /** The next `times` requests of these methods are answered 503. */
  serverErrors(times: number, methods?: string[]): void {
    this.injected.push({ status: 503, remaining: times, retryAfter: null, methods });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', this.url);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.headers)) headers[key] = Array.isArray(value) ? value.join(', ') : value ?? '';
    const record: RecordedRequest = {
      method: request.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body, status: 0,
    };
    this.requests.push(record);
    await this.beforeAnswer(record);
    const send = (status: number, payload: unknown, extraHeaders: Record<string, string> = {}) => {
      record.status = status;
      response.writeHead(status, { 'Content-Type': 'application/hal+json; charset=utf-8', ...extraHeaders });
      response.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const injected = this.injected.find((item) => item.remaining > 0 && (!item.methods || item.methods.includes(record.method)));
    if (injected) {
      injected.remaining -= 1;
      const slug = injected.status === 429 ? 'rate_limited' : 'service_unavailable';
      send(injected.status, { code: injected.status, error: slug, message: slug.replace('_', ' ') },
        injected.retryAfter === null ? {} : { 'Retry-After': injected.retryAfter });
      return;
    }
    const presented = headers.authorization ?? '';
    if (presented !== `Bearer ${this.options.token}`) {
      send(401, { code: 401, error: 'invalid_token', message: `Invalid or expired token${this.echo(presented)}` });
      return;
    }
    try {
      const parsed = body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
      const sensitive = !(headers.prefer ?? '').includes('no_sensitive_extras=true');
      const [status, payload] = this.route(record.method, url, parsed, sensitive);
      send(status, payload);
    } catch (error) {
      if (error instanceof HttpFailure) {
        send(error.status, { code: error.status, error: error.slug, message: `${error.message}${this.echo(presented)}` });
      }
      else if (error instanceof SyntaxError) send(400, { code: 400, error: 'bad_request', message: 'Body is not JSON' });
      else throw error;
    }
  }

  private echo(authorization: string): string {
    return this.options.echoTokenInErrors ? ` (request authorized with ${authorization})` : '';
  }

  private route(method: string, url: URL, body: Record<string, unknown>, sensitive: boolean): [number, unknown] {
    const [collection, rawId, relation, ...rest] = url.pathname.split('/').filter(Boolean);
    const id = Number(rawId);
    const key = `${method} /${collection ?? ''}${rawId === undefined ? '' : '/:id'}${relation === undefined ? '' : `/${relation}`}`;
    if (rest.length > 0) throw this.notFound();
    const maxPerPage = this.options.maxPerPage ?? 2;
    const m = this.model;
    switch (key) {
      case 'GET /accounts':
        return [200, this.render.page(url, 'accounts', [...m.accounts.values()].map((a) => this.render.account(a)), maxPerPage)];
      case 'GET /accounts/:id':
        return [200, this.render.account(this.account(id))];
      case 'GET /accounts/:id/databases': {
        const account = this.account(id);
        const embed = url.searchParams.get('no_embed') !== 'true';
        const items = [...m.databases.values()].filter((d) => d.accountId === account.id).map((d) => this.render.database(d, { embed, sensitive }));
        return [200, this.render.page(url, 'databases', items, maxPerPage, { account: this.render.href(`/accounts/${account.id}`) })];
      }
      case 'GET /accounts/:id/vhosts': {
        const account = this.account(id);
        const items = [...m.vhosts.values()].filter((v) => m.services.get(v.serviceId)?.accountId === account.id).map((v) => this.render.vhost(v));
        return [200, this.render.page(url, 'vhosts', items, maxPerPage)];
      }
      case 'GET /databases/:id':
        return [200, this.render.database(this.database(id), { embed: url.searchParams.get('no_embed') !== 'true', sensitive })];
      case 'POST /databases/:id/operations': {
        const database = this.database(id);
        const type = this.operationType(body, ['restart', 'reload']);
        return [201, this.render.operation(m.startOperation(database.accountId, type, { kind: 'database', id }))];
      }
      case 'GET /services/:id':
        return [200, this.render.service(this.service(id))];
      case 'GET /services/:id/vhosts': {
        const service = this.service(id);
        const items = [...m.vhosts.values()].filter((v) => v.serviceId === service.id).map((v) => this.render.vhost(v));
        return [200, this.render.page(url, 'vhosts', items, maxPerPage, { service: this.render.href(`/services/${service.id}`) })];
      }
      case 'POST /services/:id/vhosts': {
        const service = this.service(id);
        if (typeof body.type !== 'string') throw new HttpFailure(422, 'unprocessable_entity', "Type can't be blank");
        const vhost = m.createVhost(service, {
          type: body.type, internal: body.internal === true, ipWhitelist: this.ipWhitelist(body.ip_whitelist ?? []),
        });
        return [201, this.render.vhost(vhost)];
      }
      case 'GET /vhosts/:id':
        return [200, this.render.vhost(this.vhost(id))];
      case 'PUT /vhosts/:id':
      case 'PATCH /vhosts/:id': {
        const vhost = this.vhost(id);
        for (const immutable of ['internal', 'type']) {
          if (immutable in body) throw new HttpFailure(422, 'unprocessable_entity', `${immutable} cannot be changed`);
        }
        if ('ip_whitelist' in body) vhost.ipWhitelist = this.ipWhitelist(body.ip_whitelist);
        return [200, this.render.vhost(vhost)];
      }
      case 'POST /vhosts/:id/operations': {
        const vhost = this.vhost(id);
        const type = this.operationType(body, ['provision', 'deprovision']);
        return [201, this.render.operation(m.startOperation(this.service(vhost.serviceId).accountId, type, { kind: 'vhost', id }))];
      }
      case 'GET /operations/:id': {
        const operation = m.operations.get(id);
        if (!operation) throw this.notFound();
        m.advance(operation);
        return [200, this.render.operation(operation)];
      }
      default:
        throw this.notFound();
    }
  }

  private notFound(): HttpFailure {
    return new HttpFailure(404, 'not_found', 'Not found');
  }

  private account(id: number): FakeAccount {
    const account = this.model.accounts.get(id);
    if (!account) throw this.notFound();
    return account;
  }

  private database(id: number) {
    const database = this.model.databases.get(id);
    if (!database) throw this.notFound();
    return database;
  }

  private service(id: number): FakeService {
    const service = this.model.services.get(id);
    if (!service) throw this.notFound();
    return service;
  }

  private vhost(id: number) {
    const vhost = this.model.vhosts.get(id);
    if (!vhost) throw this.notFound();
    return vhost;
  }

  private operationType(body: Record<string, unknown>, allowed: string[]): string {
    if (typeof body.type !== 'string' || !allowed.includes(body.type)) {
      throw new HttpFailure(422, 'unprocessable_entity', `Type must be one of ${allowed.join(', ')}`);
    }
    return body.type;
  }

  /** Aptible's documented limits: IPv4 addresses or CIDRs only, at most 50. */
  private ipWhitelist(value: unknown): string[] {
    if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) {
      throw new HttpFailure(422, 'unprocessable_entity', 'Ip whitelist must be a list');
    }
    if (value.length > MAX_IP_FILTER_ENTRIES) {
      throw new HttpFailure(422, 'unprocessable_entity', `Ip whitelist is too long (maximum is ${MAX_IP_FILTER_ENTRIES} entries)`);
    }
    const invalid = value.find((entry) => !validIpv4Source(entry));
    if (invalid !== undefined) throw new HttpFailure(422, 'unprocessable_entity', `Ip whitelist contains an invalid IPv4 source: ${invalid}`);
    return value;
  }
}

export async function startFakeAptible(options: FakeAptibleOptions): Promise<FakeAptible> {
  return new FakeAptible(options).start();
}
