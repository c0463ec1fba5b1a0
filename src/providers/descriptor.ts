import type { Engine, ProviderSettings } from '../model/config.js';

/** What a provider's platform allows, checked at lint time by `provider-limits`. */
export interface ProviderLimits {
  /** Where the limit comes from, for the message. */
  label: string;
  privateEndpoints: boolean;
  maxAllowEntries?: number;
  ipv4Only?: boolean;
  /** The provider refuses a CIDR whose address is not the network address. */
  networkAddressRequired?: boolean;
  /** How many endpoints one database can have. */
  maxEndpointsPerDatabase?: number;
  /** The load balancer's idle timeout when the provider does not let it be set, in seconds. */
  fixedIdleTimeout?: number;
  /**
   * Each `from` entry of an integration becomes the host of one of its
   * accounts (a self-managed MariaDB or MySQL). On a platform the accounts are
   * at `%` behind its proxy, and the platform's filter enforces `from`.
   */
  sourcesAreAccountHosts?: boolean;
}

/**
 * What lint and the front ends know about a provider without loading it (no
 * `pg`, no HTTP client): its limits and its administrative users. Each
 * provider's folder holds its own (`descriptor.ts`).
 */
export interface ProviderDescriptor<Settings extends ProviderSettings = ProviderSettings> {
  limits(settings: Settings): ProviderLimits;
  /** The engines (`databases[].engine`) the platform serves. */
  engines: readonly Engine[];
  /** The administrative users the platform creates, which no integration should use. */
  adminUsers: readonly string[];
  /** Administrative users named by a pattern (SkySQL's default user carries the service id). */
  isAdminUser?(user: string): boolean;
}
