import type { Database, Endpoint, EndpointsConfig, Integration } from '../model/config.js';
import { type Network, parseCidr, parseCidrLenient } from '../net/cidr.js';

export interface DatabaseRef {
  database: Database;
  path: (string | number)[];
}

export interface EndpointRef extends DatabaseRef {
  endpoint: Endpoint;
  endpointPath: (string | number)[];
}

export interface IntegrationRef extends DatabaseRef {
  integration: Integration;
  integrationPath: (string | number)[];
  /** The endpoint it names, when that endpoint exists in the same database. */
  endpoint: EndpointRef | undefined;
  /** Its `from` entries. */
  sources: CidrRef[];
}

/** One CIDR of the file: an allow entry of an endpoint, or a `from` entry of an integration. */
export interface CidrRef {
  text: string;
  path: (string | number)[];
  /** The network under strict parsing; undefined when the text is refused. */
  network: Network | undefined;
  /** What a lenient parser would make of refused text (`0/0` → 0.0.0.0/0). */
  lenient: Network | undefined;
  endpoint: EndpointRef | undefined;
  integration: IntegrationRef | undefined;
}

/**
 * The file's objects with their paths, resolved once for all rules: which
 * endpoint an integration uses, every CIDR parsed a single time.
 */
export class ConfigIndex {
  readonly databases: DatabaseRef[] = [];
  readonly endpoints: EndpointRef[] = [];
  readonly integrations: IntegrationRef[] = [];
  readonly allowEntries: CidrRef[] = [];
  readonly sources: CidrRef[] = [];
  private readonly allowByEndpoint = new Map<EndpointRef, CidrRef[]>();
  private readonly sourcesByEndpoint = new Map<EndpointRef, CidrRef[]>();

  constructor(readonly config: EndpointsConfig) {
    config.databases.forEach((database, d) => {
      const path = ['databases', d];
      this.databases.push({ database, path });
      const byName = new Map<string, EndpointRef>();
      (database.endpoints ?? []).forEach((endpoint, e) => {
        const ref: EndpointRef = { database, path, endpoint, endpointPath: [...path, 'endpoints', e] };
        this.endpoints.push(ref);
        if (!byName.has(endpoint.name)) byName.set(endpoint.name, ref);
        const entries = (endpoint.allow ?? []).map((entry, a) =>
          cidrRef(entry.cidr, [...ref.endpointPath, 'allow', a, 'cidr'], ref, undefined));
        this.allowByEndpoint.set(ref, entries);
        this.allowEntries.push(...entries);
      });
      (database.integrations ?? []).forEach((integration, i) => {
        const ref: IntegrationRef = {
          database, path, integration,
          integrationPath: [...path, 'integrations', i],
          endpoint: byName.get(integration.endpoint),
          sources: [],
        };
        this.integrations.push(ref);
        (integration.from ?? []).forEach((text, f) => {
          const source = cidrRef(text, [...ref.integrationPath, 'from', f], ref.endpoint, ref);
          ref.sources.push(source);
          this.sources.push(source);
          if (ref.endpoint) {
            const list = this.sourcesByEndpoint.get(ref.endpoint);
            if (list) list.push(source);
            else this.sourcesByEndpoint.set(ref.endpoint, [source]);
          }
        });
      });
    });
  }

  allowEntriesOf(endpoint: EndpointRef): readonly CidrRef[] {
    return this.allowByEndpoint.get(endpoint) ?? [];
  }

  /** The `from` entries of the integrations that connect through an endpoint. */
  sourcesOf(endpoint: EndpointRef): readonly CidrRef[] {
    return this.sourcesByEndpoint.get(endpoint) ?? [];
  }
}

function cidrRef(
  text: string, path: (string | number)[], endpoint: EndpointRef | undefined, integration: IntegrationRef | undefined,
): CidrRef {
  const parsed = parseCidr(text);
  return {
    text, path, endpoint, integration,
    network: parsed.ok ? parsed.network : undefined,
    lenient: parsed.ok ? parsed.network : parseCidrLenient(text),
  };
}
