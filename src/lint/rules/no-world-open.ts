import type { EndpointsConfig } from '../../model/config.js';
import { AddressSpace } from '../../net/address-space.js';
import { type Family, parseCidrLenient } from '../../net/cidr.js';
import { embedsAllIpv4 } from '../../net/embedded-ipv4.js';
import { ConfigIndex, type CidrRef } from '../config-index.js';
import { createRule } from '../rule.js';
import { quoteValue } from '../secrets.js';

const WORLD: Record<Family, string> = { ipv4: 'IPv4', ipv6: 'IPv6' };

/** Words other tools accept for "every address": refused by the schema, and still read as what they mean. */
const WORLD_WORDS = new Set(['*', 'any', 'all', 'anywhere', 'internet']);
const EVERY_ADDRESS = ['0.0.0.0/0', '::/0'].map((text) => parseCidrLenient(text)!);

/** What one entry opens by itself: the same answer as a union of one, without building one per entry. */
function worldOfOne(entry: CidrRef): Family[] {
  const network = entry.lenient;
  if (!network) return WORLD_WORDS.has(entry.text.trim().toLowerCase()) ? ['ipv4', 'ipv6'] : [];
  if (network.family === 'ipv4') return network.prefix === 0 ? ['ipv4'] : [];
  const families: Family[] = [];
  // A whole copy of IPv4 inside IPv6 (IPv4-mapped, NAT64, 6to4, …) reaches every IPv4 address.
  if (embedsAllIpv4(network)) families.push('ipv4');
  if (network.prefix === 0) families.push('ipv6');
  return families;
}

function worldOf(entries: readonly CidrRef[]): Family[] {
  const space = new AddressSpace();
  for (const entry of entries) {
    if (entry.lenient) space.add(entry.lenient);
    else if (WORLD_WORDS.has(entry.text.trim().toLowerCase())) EVERY_ADDRESS.forEach((network) => space.add(network));
  }
  return space.worldFamilies();
}

function describe(families: readonly Family[]): string {
  return `the whole ${families.map((family) => WORLD[family]).join(' and ')} internet`;
}

export default createRule({
  id: 'no-world-open',
  severity: 'error',
  rationale: 'A database endpoint open to every address on the internet is one leaked password away from a breach.',
  description: 'An allow entry or integration `from`, alone or together with the others of the same endpoint, covers the whole IPv4 or IPv6 internet.',
  // `0/0` fails the schema, yet it is exactly what must never pass unnoticed: this rule runs on such files too.
  robust: true,
  check(context) {
    const { report } = context;
    // The shared index (built on first use) can read only data of the right shape; elsewhere, index the tolerant view.
    const tolerant = context.valid ? undefined : tolerantView(context.config);
    const index = !tolerant || tolerant.intact ? context.index : new ConfigIndex(tolerant.view);
    const reportGroup = (entries: readonly CidrRef[], groupPath: (string | number)[], what: string) => {
      const alone = new Set<Family>();
      for (const entry of entries) {
        const families = worldOfOne(entry);
        if (families.length === 0) continue;
        families.forEach((family) => alone.add(family));
        report({ path: entry.path, message: `${quoteValue(entry.text, entry.path)} opens the endpoint to ${describe(families)}` });
      }
      const together = worldOf(entries).filter((family) => !alone.has(family));
      if (together.length > 0) report({ path: groupPath, message: `together, the ${what} open the endpoint to ${describe(together)}` });
    };
    for (const endpoint of index.endpoints) {
      reportGroup(index.allowEntriesOf(endpoint), [...endpoint.endpointPath, 'allow'], 'allow entries');
    }
    for (const integration of index.integrations) {
      reportGroup(integration.sources, [...integration.integrationPath, 'from'], `\`from\` entries of ${integration.integration.name}`);
    }
    for (const endpoint of index.endpoints) {
      // Integrations that are each harmless can still, between them, open the endpoint to everyone.
      const sources = index.sourcesOf(endpoint);
      const perIntegration = new Set(sources.map((source) => source.integration));
      if (perIntegration.size < 2) continue;
      const opened = worldOf(sources).filter((family) =>
        [...perIntegration].every((integration) => !worldOf(integration?.sources ?? []).includes(family)));
      if (opened.length === 0) continue;
      report({
        path: [...endpoint.endpointPath, 'name'],
        message: `together, the \`from\` entries of the integrations using ${endpoint.endpoint.name} cover ${describe(opened)}`,
      });
    }
  },
});

/**
 * The raw data reduced to what this rule reads, in the shape ConfigIndex
 * expects even when the file fails the schema. A node of the wrong type
 * becomes an empty one at the same index, so every path still points at the
 * source; `intact` says no node had to be replaced.
 */
function tolerantView(data: unknown): { view: EndpointsConfig; intact: boolean } {
  let intact = true;
  const list = (value: unknown, optional = true): unknown[] => {
    if (Array.isArray(value)) return value;
    if (!(optional && value === undefined)) intact = false;
    return [];
  };
  const record = (value: unknown): Record<string, unknown> => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    intact = false;
    return {};
  };
  const text = (value: unknown): string => {
    if (typeof value === 'string') return value;
    intact = false;
    return '';
  };
  const databases = list(record(data).databases, false).map((item) => {
    const database = record(item);
    return {
      endpoints: list(database.endpoints).map((entry) => {
        const endpoint = record(entry);
        return { name: text(endpoint.name), allow: list(endpoint.allow).map((allow) => ({ cidr: text(record(allow).cidr) })) };
      }),
      integrations: list(database.integrations).map((entry) => {
        const integration = record(entry);
        // No endpoint unless it is a name: a missing one must not match an endpoint whose name is missing too.
        const endpoint = typeof integration.endpoint === 'string' ? integration.endpoint : undefined;
        if (endpoint === undefined) intact = false;
        return { name: text(integration.name), endpoint, from: list(integration.from).map(text) };
      }),
    };
  });
  return { view: { databases } as unknown as EndpointsConfig, intact };
}
