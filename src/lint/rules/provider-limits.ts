import type { Engine } from '../../model/config.js';
import { parseDuration } from '../../model/duration.js';
import { descriptorOf } from '../../providers/descriptors.js';
import { createRule } from '../rule.js';

/**
 * Engines whose accounts match an IPv6 client only by its exact address: MariaDB
 * stores an IPv6 netmask or CIDR host and never matches it, and MySQL takes no
 * IPv6 netmask (mariadb-facts.md §2).
 */
const EXACT_IPV6_HOSTS: ReadonlySet<Engine> = new Set(['mysql', 'mariadb']);

export default createRule({
  id: 'provider-limits',
  severity: 'error',
  rationale: "A file the provider would refuse fails at apply time, after review; the provider's documented limits are checked at lint time instead.",
  description: "A database or endpoint exceeds what the provider supports: an engine it does not serve, private endpoints on self-managed PostgreSQL or Aptible, more endpoints per database or allow entries than the provider takes, IPv6 where only IPv4 is accepted, an IPv6 range as the source of a self-managed MariaDB or MySQL account (only exact addresses match), a CIDR that is not a network address, or an idle timeout the provider does not offer.",
  check({ config, index, report }) {
    const descriptor = descriptorOf(config.provider);
    const limits = descriptor.limits(config.provider);
    for (const { database, path } of index.databases) {
      if (!descriptor.engines.includes(database.engine)) {
        report({
          path: [...path, 'engine'],
          message: `${limits.label} serves ${descriptor.engines.join(' and ')} databases; ${database.name} is ${database.engine}`,
        });
      }
      const count = database.endpoints?.length ?? 0;
      if (limits.maxEndpointsPerDatabase === undefined || count <= limits.maxEndpointsPerDatabase) continue;
      report({
        path: [...path, 'endpoints'],
        at: 'key',
        message: `${limits.label} gives a database one endpoint (public nlb or private privateconnect); ${database.name} declares ${count}`,
      });
    }
    for (const { database, sources } of index.integrations) {
      if (!limits.sourcesAreAccountHosts || !EXACT_IPV6_HOSTS.has(database.engine)) continue;
      for (const source of sources) {
        if (source.network?.family !== 'ipv6' || source.network.prefix === 128) continue;
        report({ path: source.path, message: `a ${database.engine} account matches an IPv6 client only by its exact address: list each address as /128 instead of ${source.text}` });
      }
    }
    const defaultIdle = config.defaults?.idleTimeout;
    if (limits.fixedIdleTimeout !== undefined && defaultIdle !== undefined && parseDuration(defaultIdle) !== limits.fixedIdleTimeout) {
      report({ path: ['defaults', 'idleTimeout'], message: `${limits.label} endpoints cut idle connections after ${limits.fixedIdleTimeout / 60}m, and that cannot be changed: write ${limits.fixedIdleTimeout / 60}m` });
    }
    for (const ref of index.endpoints) {
      const { endpoint, endpointPath } = ref;
      if (limits.fixedIdleTimeout !== undefined && endpoint.idleTimeout !== undefined && parseDuration(endpoint.idleTimeout) !== limits.fixedIdleTimeout) {
        report({ path: [...endpointPath, 'idleTimeout'], message: `${limits.label} endpoints cut idle connections after ${limits.fixedIdleTimeout / 60}m, and that cannot be changed: write ${limits.fixedIdleTimeout / 60}m or leave it out` });
      }
      if (endpoint.exposure === 'private' && !limits.privateEndpoints) {
        report({
          path: [...endpointPath, 'exposure'],
          message: `${limits.label} has no private endpoints: ${endpoint.name} must be public, or use a provider with PrivateLink-style endpoints (skysql)`,
        });
      }
      const allow = endpoint.allow ?? [];
      if (limits.maxAllowEntries !== undefined && allow.length > limits.maxAllowEntries) {
        report({
          path: [...endpointPath, 'allow'],
          at: 'key',
          message: `${limits.label} takes at most ${limits.maxAllowEntries} allow entries per endpoint; ${endpoint.name} has ${allow.length}`,
        });
      }
      for (const entry of index.allowEntriesOf(ref)) {
        if (limits.ipv4Only && entry.network?.family === 'ipv6') {
          report({ path: entry.path, message: `${limits.label} filters IPv4 only; ${entry.text} is IPv6` });
        }
        if (limits.networkAddressRequired && entry.network?.hostBitsSet) {
          report({ path: entry.path, message: `${limits.label} requires the network address: write ${entry.network.canonical}` });
        }
      }
    }
  },
});
