import { ToolError } from '../../errors.js';
import type { Database, Endpoint } from '../../model/config.js';
import { formatPath, type DocPath } from '../../model/path.js';
import type { LiveService, SkysqlLive } from './live.js';

/**
 * The live service a database of the file names. `databases[].name` is the
 * SkySQL service name; dbfence manages existing services and never creates one.
 */
export function serviceOf(database: Database, databasePath: DocPath, live: SkysqlLive): LiveService {
  const matches = live.services.filter((service) => service.name === database.name);
  const where = formatPath([...databasePath, 'name']);
  if (matches.length === 0) {
    throw new ToolError(`${where}: no SkySQL service is named ${database.name} (the API key sees ${live.listed} services in the organization it acts in: provider.orgId, or the key's default); dbfence manages existing services and does not create them`);
  }
  if (matches.length > 1) {
    throw new ToolError(`${where}: ${matches.length} SkySQL services are named ${database.name} (${matches.map((service) => service.id).join(', ')}); dbfence cannot tell which one the file means`);
  }
  return matches[0]!;
}

/**
 * The one endpoint the file declares for a service, or undefined when it
 * declares none (the service's endpoint is then left alone). A SkySQL service
 * has one endpoint mechanism: public (nlb) or private (privateconnect); the
 * paid second public endpoint is not managed in v1.
 */
export function declaredEndpoint(database: Database, databasePath: DocPath): { endpoint: Endpoint; path: DocPath } | undefined {
  const endpoints = database.endpoints ?? [];
  if (endpoints.length > 1) {
    throw new ToolError(`${formatPath([...databasePath, 'endpoints'])}: a SkySQL service has one endpoint, public (nlb) or private (privateconnect); ${database.name} declares ${endpoints.length}`);
  }
  const endpoint = endpoints[0];
  return endpoint ? { endpoint, path: [...databasePath, 'endpoints', 0] } : undefined;
}

/** The accounts of a private endpoint, without repeats; SkySQL requires at least one. */
export function declaredAccounts(endpoint: Endpoint, path: DocPath): string[] {
  const accounts = [...new Set(endpoint.allowedAccounts ?? [])];
  if (accounts.length === 0) {
    throw new ToolError(`${formatPath(path)}: SkySQL private connect requires allowed accounts; ${endpoint.name} names none`);
  }
  return accounts;
}
