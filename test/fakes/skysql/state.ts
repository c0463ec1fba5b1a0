import ipaddr from 'ipaddr.js';

export type Cloud = 'aws' | 'gcp' | 'azure';

export interface FakeAllowItem {
  ip: string;
  comment: string;
}

/** One service of the fake account. Tests may read and change it directly (an out-of-band edit). */
export interface FakeService {
  id: string;
  name: string;
  /** The organization the service belongs to. */
  org: string;
  provider: Cloud;
  region: string;
  status: string;
  mechanism: string;
  allowList: FakeAllowItem[];
  allowedAccounts: string[];
  endpointService: string;
  /** When a `pending_*` status turns `ready` (fake clock, ms); Infinity keeps it pending. */
  readyAt: number;
}

export interface FakeServiceSeed {
  name: string;
  /** The organization it belongs to; the key's default one when absent. */
  org?: string;
  provider?: Cloud;
  mechanism?: 'nlb' | 'privateconnect' | 'privatelink';
  allowList?: { ip: string; comment?: string }[];
  allowedAccounts?: string[];
  status?: string;
}

let serial = 40820593;

export function seedService(seed: FakeServiceSeed, now: number, defaultOrg: string): FakeService {
  const provider = seed.provider ?? 'aws';
  const mechanism = seed.mechanism ?? 'nlb';
  const service: FakeService = {
    id: `dbd${'wgx'[serial % 3]}f${serial++}`,
    name: seed.name,
    org: seed.org ?? defaultOrg,
    provider,
    region: provider === 'gcp' ? 'us-central1' : provider === 'azure' ? 'eastus' : 'us-east-2',
    status: seed.status ?? 'ready',
    mechanism,
    allowList: (seed.allowList ?? []).map((item) => ({ ip: item.ip, comment: item.comment ?? '' })),
    allowedAccounts: [...(seed.allowedAccounts ?? [])],
    endpointService: '',
    readyAt: now,
  };
  if (service.status === 'ready') settle(service);
  return service;
}

export function isPrivate(mechanism: string): boolean {
  return mechanism === 'privateconnect' || mechanism === 'privatelink';
}

/** Brings the service up to date: a pending change completes once its time has come. */
export function tick(service: FakeService, now: number): void {
  if (service.status.startsWith('pending_') && now >= service.readyAt) {
    service.status = 'ready';
    settle(service);
  }
}

/** The service is busy with a change for `ms` (Infinity: for ever). */
export function startPending(service: FakeService, status: string, now: number, ms: number): void {
  service.status = status;
  service.readyAt = now + ms;
}

/** What only exists once the service is ready: the private endpoint's service name. */
function settle(service: FakeService): void {
  service.endpointService = isPrivate(service.mechanism)
    ? `com.amazonaws.vpce.${service.region}.vpce-svc-${service.id.slice(-8)}0abc1234`
    : '';
}

/** `v1.ServiceResponse`, with the fields the docs show. */
export function serviceResponse(service: FakeService): Record<string, unknown> {
  const ready = service.status === 'ready';
  const visibility = isPrivate(service.mechanism) ? 'private' : 'public';
  return {
    id: service.id,
    name: service.name,
    status: service.status,
    provider: service.provider,
    region: service.region,
    tier: 'foundation',
    topology: 'es-single',
    version: '10.6.11-6-1',
    architecture: 'amd64',
    size: 'sky-2x8',
    nodes: 1,
    service_type: 'transactional',
    ssl_enabled: true,
    fqdn: ready ? `${service.id}.sysp0000.db1.skysql.com` : '',
    is_active: true,
    outbound_ips: ['198.51.100.20'],
    created_on: 1712345678,
    updated_on: 1712345678,
    errors: [],
    endpoints: [
      {
        name: 'primary',
        mechanism: service.mechanism,
        visibility,
        ports: [{ name: 'readwrite', port: 3306, purpose: 'readwrite' }],
        allow_list: service.allowList.map((item) => ({ ...item })),
        allowed_accounts: [...service.allowedAccounts],
        endpoint_service: service.endpointService,
      },
    ],
  };
}

/** `v1.AllowListEndpoint[]`, including the deprecated string form. */
export function allowListResponse(service: FakeService): Record<string, unknown>[] {
  return [{ name: 'primary', allow_list: service.allowList.map((item) => ({ ...item })), allowList: service.allowList.map((item) => item.ip) }];
}

/**
 * Why SkySQL would refuse this allowlist entry: "IPv4 addresses and IPv4
 * netblocks" only, with the network address as the start of a block.
 */
export function refusedEntry(ip: unknown): string | undefined {
  if (typeof ip !== 'string') return 'ip is required';
  const [address = '', prefix, extra] = ip.split('/');
  if (extra !== undefined || !ipaddr.IPv4.isValidFourPartDecimal(address)) return `invalid IPv4 address or netblock: ${ip}`;
  if (prefix === undefined) return undefined;
  if (!/^(3[0-2]|[12]?[0-9])$/.test(prefix)) return `invalid IPv4 address or netblock: ${ip}`;
  const network = ipaddr.IPv4.networkAddressFromCIDR(ip).toString();
  return network === address ? undefined : `the start IP address of the CIDR block must be specified: ${network}/${prefix}`;
}

export function maxEntries(provider: Cloud): number {
  return provider === 'gcp' ? 200 : 30;
}
