import { type HalResource, link, numberField, optionalLink, optionalString, stringField, stringList } from './hal.js';

/** An Aptible endpoint (a "vhost" of the database's service), as dbfence needs it. */
export interface LiveEndpoint {
  id: number;
  href: string;
  operationsHref: string;
  serviceHref: string;
  type: string;
  internal: boolean;
  /** `external_host`, assigned by Aptible once provisioned. */
  hostname: string | undefined;
  /** pending | provisioning | provisioned | deprovisioning | deprovisioned | provision_failed | deprovision_failed */
  status: string;
  /** As the API stores it; empty means no filtering at all. */
  ipWhitelist: string[];
}

export interface LiveDatabase {
  id: number;
  handle: string;
  /** postgresql, mysql, redis, … */
  type: string;
  status: string;
  href: string;
  operationsHref: string;
  /** Absent while the database is not provisioned. */
  serviceHref: string | undefined;
  /** Every endpoint of the database's service, internal ones included. */
  endpoints: LiveEndpoint[];
}

export interface AptibleLive {
  environment: { id: number; handle: string };
  /** The databases the files name that exist in the environment, by handle. */
  databases: Record<string, LiveDatabase>;
}

export function toLiveEndpoint(vhost: HalResource): LiveEndpoint {
  const what = `vhost ${String(vhost.id)}`;
  return {
    id: numberField(vhost, 'id', what),
    href: link(vhost, 'self', what),
    operationsHref: link(vhost, 'operations', what),
    serviceHref: link(vhost, 'service', what),
    type: stringField(vhost, 'type', what),
    internal: vhost.internal === true,
    hostname: optionalString(vhost, 'external_host'),
    status: stringField(vhost, 'status', what),
    ipWhitelist: stringList(vhost, 'ip_whitelist', what),
  };
}

export function toLiveDatabase(database: HalResource, endpoints: LiveEndpoint[]): LiveDatabase {
  const what = `database ${String(database.handle ?? database.id)}`;
  return {
    id: numberField(database, 'id', what),
    handle: stringField(database, 'handle', what),
    type: stringField(database, 'type', what),
    status: stringField(database, 'status', what),
    href: link(database, 'self', what),
    operationsHref: link(database, 'operations', what),
    serviceHref: optionalLink(database, 'service'),
    endpoints,
  };
}

/** Endpoints on their way out are neither kept nor removed by a plan. */
const GOING = new Set(['deprovisioning', 'deprovisioned']);

/** The endpoints dbfence manages: reachable from outside the stack and not being torn down. */
export function managedEndpoints(database: LiveDatabase): LiveEndpoint[] {
  return database.endpoints.filter((endpoint) => !endpoint.internal && !GOING.has(endpoint.status));
}
