import type { Endpoint } from '../../model/config.js';
import { parseCidr } from '../../net/cidr.js';

/**
 * One filter entry written canonically, so `1.2.3.4` and `1.2.3.4/32` are the
 * same source. Text the strict parser refuses is compared as written.
 */
function canonical(entry: string): string {
  const parsed = parseCidr(entry.trim());
  return parsed.ok ? parsed.network.canonical : entry.trim();
}

/** What the file asks Aptible to store: the allow entries as written. */
export function declaredFilter(endpoint: Endpoint): string[] {
  return (endpoint.allow ?? []).map((entry) => entry.cidr.trim());
}

export interface FilterDelta {
  added: string[];
  removed: string[];
}

/** The sources `desired` admits that `live` does not, and the other way round; order and spelling aside. */
export function filterDelta(live: readonly string[], desired: readonly string[]): FilterDelta {
  const liveSet = new Set(live.map(canonical));
  const desiredSet = new Set(desired.map(canonical));
  return {
    added: [...desiredSet].filter((entry) => !liveSet.has(entry)),
    removed: [...liveSet].filter((entry) => !desiredSet.has(entry)),
  };
}

export function sameFilter(live: readonly string[], desired: readonly string[]): boolean {
  const delta = filterDelta(live, desired);
  return delta.added.length === 0 && delta.removed.length === 0;
}
