import type { EndpointsConfig } from '../../model/config.js';
import { liveAllowlistEntry, type AllowlistEntry } from './allowlist.js';
import type { SkysqlApi } from './api.js';
import type { Service } from './api-types.js';

/** The primary endpoint of a service, as dbfence compares it. */
export interface LiveEndpoint {
  /** `privatelink` is read as `privateconnect`; anything else is kept as the API wrote it. */
  mechanism: string;
  allowlist: AllowlistEntry[];
  allowedAccounts: string[];
}

export interface LiveService {
  id: string;
  name: string;
  status: string;
  /** aws, gcp or azure, as the API reports it. */
  cloud?: string;
  /** Absent while the service has no endpoint yet. */
  endpoint?: LiveEndpoint;
}

export interface SkysqlLive {
  /** The services whose name a file in scope uses (a name may repeat). */
  services: LiveService[];
  /** How many services the account has in all. */
  listed: number;
}

/**
 * One paged listing of the account's services: the list carries every
 * service's endpoints, allowlist and allowed accounts, so no service needs a
 * request of its own.
 */
export async function inspectServices(api: SkysqlApi, scope: readonly EndpointsConfig[]): Promise<SkysqlLive> {
  const names = new Set(scope.flatMap((config) => config.databases.map((database) => database.name)));
  if (names.size === 0) return { services: [], listed: 0 };
  const all = await api.listServices();
  return { services: all.filter((service) => names.has(service.name)).map(toLiveService), listed: all.length };
}

export function toLiveService(service: Service): LiveService {
  const primary = service.endpoints?.[0];
  return {
    id: service.id,
    name: service.name,
    status: service.status,
    ...(service.provider ? { cloud: service.provider } : {}),
    ...(primary
      ? {
          endpoint: {
            mechanism: primary.mechanism === 'privatelink' ? 'privateconnect' : primary.mechanism ?? 'nlb',
            allowlist: (primary.allow_list ?? []).map(liveAllowlistEntry),
            allowedAccounts: [...(primary.allowed_accounts ?? [])],
          },
        }
      : {}),
  };
}
