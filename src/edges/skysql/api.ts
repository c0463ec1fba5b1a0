import { ToolError } from '../../errors.js';
import type { AllowListItem, ModifyServiceEndpoint, Service } from './api-types.js';
import type { SkysqlHttp } from './http.js';

const API_PREFIX = '/provisioning/v1';
const SERVICES = `${API_PREFIX}/services`;

/**
 * The API's root from provider.apiUrl: SkySQL's documentation names the API
 * with its `/provisioning/v1` prefix, which request paths add again, so a URL
 * that ends with it is taken without it.
 */
export function apiRoot(apiUrl: string): string {
  const trimmed = apiUrl.replace(/\/+$/, '');
  return trimmed.endsWith(API_PREFIX) ? trimmed.slice(0, -API_PREFIX.length) : apiUrl;
}
const NEXT_PAGE = 'X-SkySQL-Page-Token-Next';

/** The few SkySQL operations dbfence uses, over the transport. */
export class SkysqlApi {
  constructor(
    private readonly http: SkysqlHttp,
    private readonly pageSize: number,
  ) {}

  /** Every service of the account, following the paging tokens. */
  async listServices(): Promise<Service[]> {
    const services: Service[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const { body, headers } = await this.http.request<unknown>('GET', SERVICES, {
        query: { page_size: String(this.pageSize), page_token: token },
      });
      if (!Array.isArray(body)) throw new ToolError(`SkySQL GET ${SERVICES}: expected a list of services`);
      services.push(...body.map((raw) => readService(raw, `GET ${SERVICES}`)));
      token = headers.get(NEXT_PAGE) || undefined;
      // A token handed out twice would page forever.
      if (token !== undefined) {
        if (seen.has(token)) throw new ToolError(`SkySQL GET ${SERVICES}: the API returned the same page token twice`);
        seen.add(token);
      }
    } while (token !== undefined);
    return services;
  }

  async getService(id: string): Promise<Service> {
    const path = `${SERVICES}/${encodeURIComponent(id)}`;
    const { body } = await this.http.request<unknown>('GET', path);
    return readService(body, `GET ${path}`);
  }

  /** Replaces the whole allowlist of the service's primary endpoint in one call. */
  async replaceAllowlist(id: string, items: AllowListItem[]): Promise<void> {
    await this.http.request('PUT', `${SERVICES}/${encodeURIComponent(id)}/security/allowlist`, { body: items });
  }

  /** Changes the mechanism or the allowed accounts of the service's primary endpoint. */
  async modifyPrimaryEndpoint(id: string, endpoint: ModifyServiceEndpoint): Promise<void> {
    await this.http.request('PATCH', `${SERVICES}/${encodeURIComponent(id)}/endpoints`, { body: [endpoint] });
  }
}

function readService(raw: unknown, where: string): Service {
  const service = raw as Partial<Service> | null;
  if (typeof service !== 'object' || service === null || typeof service.id !== 'string' || typeof service.name !== 'string' || typeof service.status !== 'string') {
    throw new ToolError(`SkySQL ${where}: a service without id, name or status in the answer`);
  }
  return service as Service;
}
