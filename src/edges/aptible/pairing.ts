import type { Endpoint } from '../../model/config.js';
import { declaredFilter, sameFilter } from './ip-filter.js';
import type { LiveEndpoint } from './live.js';

export interface DeclaredEndpoint {
  endpoint: Endpoint;
  /** Its index in the database's `endpoints`. */
  index: number;
}

export interface EndpointPairing {
  matched: { declared: DeclaredEndpoint; live: LiveEndpoint }[];
  /** Declared, with no Aptible endpoint yet. */
  missing: DeclaredEndpoint[];
  /** On Aptible, not declared. */
  undeclared: LiveEndpoint[];
}

/**
 * Aptible endpoints carry no name, so a declared endpoint is matched by its
 * hostname when the file gives one; the rest are matched to the remaining
 * endpoints whose IP filter they already equal, then in order (oldest first).
 * A file that pins every hostname is never ambiguous.
 */
export function pairEndpoints(declared: readonly Endpoint[], live: readonly LiveEndpoint[]): EndpointPairing {
  const pairing: EndpointPairing = { matched: [], missing: [], undeclared: [] };
  const free = [...live].sort((a, b) => a.id - b.id);
  const take = (predicate: (candidate: LiveEndpoint) => boolean): LiveEndpoint | undefined => {
    const at = free.findIndex(predicate);
    return at === -1 ? undefined : free.splice(at, 1)[0];
  };
  let waiting: DeclaredEndpoint[] = [];
  declared.forEach((endpoint, index) => {
    const hostname = endpoint.hostname?.toLowerCase();
    const byHost = hostname === undefined ? undefined : take((candidate) => candidate.hostname?.toLowerCase() === hostname);
    if (byHost) pairing.matched.push({ declared: { endpoint, index }, live: byHost });
    else waiting.push({ endpoint, index });
  });
  for (const pass of [
    (item: DeclaredEndpoint) => (candidate: LiveEndpoint) => sameFilter(candidate.ipWhitelist, declaredFilter(item.endpoint)),
    () => () => true,
  ]) {
    waiting = waiting.filter((item) => {
      const found = take(pass(item));
      if (found) pairing.matched.push({ declared: item, live: found });
      return !found;
    });
  }
  pairing.missing = waiting;
  pairing.undeclared = free;
  pairing.matched.sort((a, b) => a.declared.index - b.declared.index);
  return pairing;
}
