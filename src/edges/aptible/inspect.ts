import { ToolError } from '../../errors.js';
import type { HalResource } from './hal.js';
import { link, numberField, optionalLink, stringField } from './hal.js';
import type { AptibleClient } from './http.js';
import { type AptibleLive, type LiveEndpoint, toLiveDatabase, toLiveEndpoint } from './live.js';

/** The environment (an Aptible "account") with this handle, from the list of those the token sees. */
export async function findEnvironment(client: AptibleClient, handle: string): Promise<HalResource> {
  const accounts = await client.list('accounts', 'accounts');
  const account = accounts.find((candidate) => candidate.handle === handle);
  if (account === undefined) {
    const seen = accounts.map((candidate) => String(candidate.handle)).slice(0, 10);
    throw new ToolError(
      `Aptible environment ${handle} not found: the token sees ${seen.length === 0 ? 'no environment' : seen.join(', ')}`,
    );
  }
  return account;
}

/**
 * Reads the named databases of the environment and their endpoints in three
 * list walks, whatever the number of databases: environments, the
 * environment's databases, the environment's endpoints (matched to a database
 * through its service link, so no service is read one by one).
 */
export async function inspectEnvironment(
  client: AptibleClient,
  environmentHandle: string,
  databaseHandles: ReadonlySet<string>,
): Promise<AptibleLive> {
  const account = await findEnvironment(client, environmentHandle);
  const what = `environment ${environmentHandle}`;
  const [databases, vhosts] = await Promise.all([
    client.list(link(account, 'databases', what), 'databases', { no_embed: 'true' }),
    client.list(link(account, 'vhosts', what), 'vhosts'),
  ]);
  const endpointsByService = new Map<string, LiveEndpoint[]>();
  for (const vhost of vhosts) {
    const endpoint = toLiveEndpoint(vhost);
    const key = client.resolve(endpoint.serviceHref).href;
    endpointsByService.set(key, [...(endpointsByService.get(key) ?? []), endpoint]);
  }
  const live: AptibleLive = {
    environment: { id: numberField(account, 'id', what), handle: stringField(account, 'handle', what) },
    databases: {},
  };
  for (const database of databases) {
    if (typeof database.handle !== 'string' || !databaseHandles.has(database.handle)) continue;
    const service = optionalLink(database, 'service');
    const endpoints = service === undefined ? [] : endpointsByService.get(client.resolve(service).href) ?? [];
    live.databases[database.handle] = toLiveDatabase(database, endpoints.sort((a, b) => a.id - b.id));
  }
  return live;
}
