import { ToolError } from '../../errors.js';
import type { Database, Endpoint, EndpointsConfig } from '../../model/config.js';
import type { Change } from '../../plan/types.js';
import { declaredFilter, filterDelta } from './ip-filter.js';
import { type AptibleLive, type LiveDatabase, type LiveEndpoint, managedEndpoints } from './live.js';
import { pairEndpoints } from './pairing.js';

/** What carrying out one change takes, with the links apply follows. */
export type StepAction =
  | { kind: 'create-endpoint'; database: LiveDatabase; serviceHref: string; name: string; ipWhitelist: string[] }
  | { kind: 'set-ip-filter'; database: LiveDatabase; endpoint: LiveEndpoint; name: string; ipWhitelist: string[] }
  | { kind: 'provision-endpoint'; database: LiveDatabase; endpoint: LiveEndpoint; name: string }
  | { kind: 'deprovision-endpoint'; database: LiveDatabase; endpoint: LiveEndpoint }
  | { kind: 'restart-database'; database: LiveDatabase };

export interface Step {
  change: Change;
  action: StepAction;
}

/** Endpoints that exist but never finished provisioning: a run that stopped half-way left them so. */
const UNPROVISIONED = new Set(['pending', 'provision_failed']);

/**
 * Aptible signs MySQL and PostgreSQL certificates with the environment's CA and
 * names endpoint hostnames in them only from the next restart; other types
 * serve a public certificate.
 */
const CERTIFICATE_NAMES_ENDPOINTS = new Set(['postgresql', 'mysql']);

export function endpointLabel(endpoint: LiveEndpoint): string {
  return endpoint.hostname ?? `#${endpoint.id}`;
}

/**
 * The steps that make the live environment match `desired`, database by
 * database in file order: IP filter changes, new endpoints, the restart that
 * puts their hostnames in the certificate, then removals. Pure.
 */
export function planSteps(desired: EndpointsConfig, live: AptibleLive): Step[] {
  return desired.databases.flatMap((database, d) => databaseSteps(database, d, live));
}

function databaseSteps(database: Database, d: number, live: AptibleLive): Step[] {
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
  const updates: Step[] = [];
  const creates: Step[] = [];
  let newHostnames = false;
  for (const { declared, live: liveEndpoint } of pairing.matched) {
    const step = matchedStep(database, d, current, declared.endpoint, declared.index, liveEndpoint);
    if (step === undefined) continue;
    updates.push(step);
    // An endpoint that was never provisioned gets its hostname now.
    if (liveEndpoint.hostname === undefined) newHostnames = true;
  }
  for (const { endpoint, index } of pairing.missing) {
    const desiredFilter = declaredFilter(endpoint);
    newHostnames = true;
    creates.push({
      change: {
        address: `aptible.endpoint.${database.name}/${endpoint.name}`,
        resource: 'endpoint', action: 'create', destructive: false,
        reason: `${endpoint.name} is declared but ${database.name} has no matching endpoint on Aptible; Aptible assigns its hostname`,
        after: { exposure: 'public', allow: desiredFilter },
        path: [...path, 'endpoints', index],
      },
      action: { kind: 'create-endpoint', database: current, serviceHref: current.serviceHref, name: endpoint.name, ipWhitelist: desiredFilter },
    });
  }
  const restart: Step[] = newHostnames && CERTIFICATE_NAMES_ENDPOINTS.has(current.type)
    ? [{
        change: {
          address: `aptible.database.${database.name}`,
          resource: 'restart', action: 'update', destructive: false, disruptive: true,
          reason: `the certificate of ${database.name} names a new endpoint hostname only after the database restarts; the restart interrupts its connections`,
          path: [...path],
        },
        action: { kind: 'restart-database', database: current },
      }]
    : [];
  const removals: Step[] = pairing.undeclared.map((endpoint) => ({
    change: {
      address: `aptible.endpoint.${database.name}/${endpointLabel(endpoint)}`,
      resource: 'endpoint', action: 'delete', destructive: true,
      reason: `endpoint ${endpointLabel(endpoint)} of ${database.name} is not declared: deprovisioning it cuts every connection through it`,
      before: { hostname: endpoint.hostname ?? null, allow: endpoint.ipWhitelist },
    },
    action: { kind: 'deprovision-endpoint', database: current, endpoint },
  }));
  return [...updates, ...creates, ...restart, ...removals];
}

function matchedStep(
  database: Database, d: number, current: LiveDatabase, endpoint: Endpoint, index: number, liveEndpoint: LiveEndpoint,
): Step | undefined {
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
      change: {
        address, resource: 'ip-filter', action: 'update', destructive: false,
        reason: `the IP filter of ${name} (${endpointLabel(liveEndpoint)}) ${words.join(' and ')}`,
        before: liveEndpoint.ipWhitelist, after: desiredFilter,
        path: endpoint.allow === undefined ? endpointPath : [...endpointPath, 'allow'],
      },
      action: { kind: 'set-ip-filter', database: current, endpoint: liveEndpoint, name, ipWhitelist: desiredFilter },
    };
  }
  if (UNPROVISIONED.has(liveEndpoint.status)) {
    return {
      change: {
        address, resource: 'endpoint', action: 'update', destructive: false,
        reason: `${name} (${endpointLabel(liveEndpoint)}) exists on Aptible but is ${liveEndpoint.status}: provision it`,
        before: { status: liveEndpoint.status }, after: { status: 'provisioned' },
        path: endpointPath,
      },
      action: { kind: 'provision-endpoint', database: current, endpoint: liveEndpoint, name },
    };
  }
  return undefined;
}
