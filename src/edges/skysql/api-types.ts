/**
 * The parts of the SkySQL (MariaDB Cloud) DBaaS API dbfence reads and writes,
 * as the official OpenAPI spec and Terraform provider describe them.
 */

/** `privatelink` is an older spelling of `privateconnect` the API may still echo. */
export type Mechanism = 'nlb' | 'privateconnect' | 'privatelink';

/** The spec's status enum is open: any `pending_*` is transitional. */
export type ServiceStatus = 'ready' | 'failed' | 'stopped' | (string & {});

export interface AllowListItem {
  ip: string;
  comment?: string;
}

export interface ServiceEndpoint {
  name?: string;
  mechanism?: string;
  visibility?: string;
  allow_list?: AllowListItem[] | null;
  allowed_accounts?: string[] | null;
  endpoint_service?: string;
}

export interface Service {
  id: string;
  name: string;
  status: ServiceStatus;
  /** The cloud: aws, gcp or azure. */
  provider?: string;
  region?: string;
  errors?: string[] | null;
  /** `[0]` is the primary endpoint, the one `PATCH …/endpoints` and the allowlist act on. */
  endpoints?: ServiceEndpoint[] | null;
}

/** One element of the `PATCH /provisioning/v1/services/{id}/endpoints` body. */
export interface ModifyServiceEndpoint {
  mechanism: 'nlb' | 'privateconnect';
  allowed_accounts?: string[];
  /** Not in the spec; the official Terraform provider always sends it. */
  visibility: 'public' | 'private';
}

/** `errr.ErrorResponse`, returned with every documented 4xx/5xx. */
export interface ApiErrorBody {
  code?: number;
  errors?: { error?: string; message?: string; solution?: string }[];
  exception?: string;
  trace_id?: string;
}
