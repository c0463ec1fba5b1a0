import { ToolError } from '../../errors.js';
import type { Database, Endpoint, EndpointsConfig } from '../../model/config.js';
import type { Change } from '../../plan/types.js';
import { declaredFilter, filterDelta } from './ip-filter.js';
import { type AptibleLive, type LiveDatabase, type LiveEndpoint, managedEndpoints } from './live.js';
import { pairEndpoints } from './pairing.js';

/** The database an operation acts on, with the link its operations go to. */
export interface DatabaseRef {
  handle: string;
  operationsHref: string;
}

/** An endpoint that exists, with the links apply follows. */
export interface EndpointRef {
  id: number;
  hostname: string | undefined;
  href: string;
  operationsHref: string;
}

/** What carrying out one change takes: the Deploy API calls, with the links they follow. */
export type AptibleOperation =
  | { kind: 'create-endpoint'; database: DatabaseRef; serviceHref: string; name: string; ipWhitelist: string[] }
  | { kind: 'set-ip-filter'; database: DatabaseRef; endpoint: EndpointRef; name: string; ipWhitelist: string[] }
  | { kind: 'provision-endpoint'; database: DatabaseRef; endpoint: EndpointRef; name: string }
  | { kind: 'deprovision-endpoint'; database: DatabaseRef; endpoint: EndpointRef }
  | { kind: 'restart-database'; database: DatabaseRef };

export type AptibleChange = Change<AptibleOperation>;

function databaseRef(database: LiveDatabase): DatabaseRef {
  return { handle: database.handle, operationsHref: database.operationsHref };
}

function endpointRef(endpoint: LiveEndpoint): EndpointRef {
  return { id: endpoint.id, hostname: endpoint.hostname, href: endpoint.href, operationsHref: endpoint.operationsHref };
}

/** Endpoints that exist but never finished provisioning: a run that stopped half-way left them so. */
const UNPROVISIONED = new Set(['pending', 'provision_failed']);

/**
 * Aptible signs MySQL and PostgreSQL certificates with the environment's CA and
 * names endpoint hostnames in them only from the next restart; other types
 * serve a public certificate.
 */
const CERTIFICATE_NAMES_ENDPOINTS = new Set(['postgresql', 'mysql']);

export function endpointLabel(endpoint: Pick<LiveEndpoint, 'id' | 'hostname'>): string {
  return endpoint.hostname ?? `#${endpoint.id}`;
}

/**
 * The changes that make the live environment match `desired`, database by
 * database in file order: IP filter changes, new endpoints, the restart that
 * puts their hostnames in the certificate, then removals. Pure.
 */
export function planEdgeChanges(desired: EndpointsConfig, live: AptibleLive): AptibleChange[] {
  return desired.databases.flatMap((database, d) => databaseChanges(database, d, live));
}

function databaseChanges(database: Database, d: number, live: AptibleLive): AptibleChange[] {
  const path = ['databases', d] as const;
  const declaredEndpoints = database.endpoints ?? [];
  const current = live.databases[database.name];
  if (current === undefined || current.serviceHref === undefined) {
    if (declaredEndpoints.length === 0) return [];
    throw new ToolError(
      current === undefined
        ? `database ${database.name} does not exist in the Aptible environment ${live.environment.handle}: dbfence manages the endpoints of existing databases`
        : `database ${database.name} is not provisioned on Aptible (status ${current.status}): it cannot have endpoints yet`,
    );
  }
  const pairing = pairEndpoints(declaredEndpoints, managedEndpoints(current));
  const updates: AptibleChange[] = [];
  const creates: AptibleChange[] = [];
  let newHostnames = false;
  for (const { declared, live: liveEndpoint } of pairing.matched) {
    const change = matchedChange(database, d, current, declared.endpoint, declared.index, liveEndpoint);
    if (change === undefined) continue;
    updates.push(change);
    // An endpoint that was never provisioned gets its hostname now.
    if (liveEndpoint.hostname === undefined) newHostnames = true;
  }
  for (const { endpoint, index } of pairing.missing) {
    const desiredFilter = declaredFilter(endpoint);
    newHostnames = true;
    creates.push({
      address: `aptible.endpoint.${database.name}/${endpoint.name}`,
      resource: 'endpoint', action: 'create', destructive: false,
      reason: `${endpoint.name} is declared but ${database.name} has no matching endpoint on Aptible; Aptible assigns its hostname`,
      after: { exposure: 'public', allow: desiredFilter },
      path: [...path, 'endpoints', index],
      operation: { kind: 'create-endpoint', database: databaseRef(current), serviceHref: current.serviceHref, name: endpoint.name, ipWhitelist: desiredFilter },
    });
  }
  const restart: AptibleChange[] = newHostnames && CERTIFICATE_NAMES_ENDPOINTS.has(current.type)
    ? [{
        address: `aptible.database.${database.name}`,
        resource: 'restart', action: 'update', destructive: false, disruptive: true,
        reason: `the certificate of ${database.name} names a new endpoint hostname only after the database restarts; the restart interrupts its connections`,
        path: [...path],
        operation: { kind: 'restart-database', database: databaseRef(current) },
      }]
    : [];
  const removals: AptibleChange[] = pairing.undeclared.map((endpoint) => ({
    address: `aptible.endpoint.${database.name}/${endpointLabel(endpoint)}`,
    resource: 'endpoint', action: 'delete', destructive: true,
    reason: `endpoint ${endpointLabel(endpoint)} of ${database.name} is not declared: deprovisioning it cuts every connection through it`,
    before: { hostname: endpoint.hostname ?? null, allow: endpoint.ipWhitelist },
    operation: { kind: 'deprovision-endpoint', database: databaseRef(current), endpoint: endpointRef(endpoint) },
  }));
  return [...updates, ...creates, ...restart, ...removals];
}

function matchedChange(
  database: Database, d: number, current: LiveDatabase, endpoint: Endpoint, index: number, liveEndpoint: LiveEndpoint,
): AptibleChange | undefined {
  const { name } = endpoint;
  const address = `aptible.endpoint.${database.name}/${name}`;
  const endpointPath = ['databases', d, 'endpoints', index];
  const desiredFilter = declaredFilter(endpoint);
  const delta = filterDelta(liveEndpoint.ipWhitelist, desiredFilter);
  if (delta.added.length > 0 || delta.removed.length > 0) {
    const words = [
      delta.added.length > 0 ? `admits ${delta.added.join(', ')}` : '',
      delta.removed.length > 0 ? `no longer admits ${delta.removed.join(', ')}` : '',
    ].filter(Boolean);
    return {
      address, resource: 'ip-filter', action: 'update', destructive: false,
      reason: `the IP filter of ${name} (${endpointLabel(liveEndpoint)}) ${words.join(' and ')}`,
      before: liveEndpoint.ipWhitelist, after: desiredFilter,
      path: endpoint.allow === undefined ? endpointPath : [...endpointPath, 'allow'],
      operation: { kind: 'set-ip-filter', database: databaseRef(current), endpoint: endpointRef(liveEndpoint), name, ipWhitelist: desiredFilter },
    };
  }
  if (UNPROVISIONED.has(liveEndpoint.status)) {
    return {
      address, resource: 'endpoint', action: 'update', destructive: false,
      reason: `${name} (${endpointLabel(liveEndpoint)}) exists on Aptible but is ${liveEndpoint.status}: provision it`,
      before: { status: liveEndpoint.status }, after: { status: 'provisioned' },
      path: endpointPath,
      operation: { kind: 'provision-endpoint', database: databaseRef(current), endpoint: endpointRef(liveEndpoint), name },
    };
  }
  return undefined;
}
