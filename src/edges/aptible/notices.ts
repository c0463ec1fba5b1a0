import type { EndpointsConfig } from '../../model/config.js';
import type { PlanNotice } from '../../plan/types.js';
import { type AptibleLive, managedEndpoints } from './live.js';
import { pairEndpoints } from './pairing.js';

/**
 * An endpoint whose declared hostname is not the one Aptible assigned: the
 * database certificate names Aptible's hostname, so clients verifying the
 * declared one fail (the `certificate-expiry` check: a hostname the
 * certificate does not name).
 */
export function hostnameNotices(desired: EndpointsConfig, live: AptibleLive): PlanNotice[] {
  const notices: PlanNotice[] = [];
  desired.databases.forEach((database, d) => {
    const current = live.databases[database.name];
    if (current === undefined) return;
    for (const { declared, live: endpoint } of pairEndpoints(database.endpoints ?? [], managedEndpoints(current)).matched) {
      const declaredHost = declared.endpoint.hostname;
      if (declaredHost === undefined || endpoint.hostname === undefined) continue;
      if (declaredHost.toLowerCase() === endpoint.hostname.toLowerCase()) continue;
      notices.push({
        ruleId: 'certificate-expiry',
        message: `${database.name}/${declared.endpoint.name} declares hostname ${declaredHost}, but its Aptible endpoint is ${endpoint.hostname} and the certificate names only that: write hostname: ${endpoint.hostname}`,
        address: `aptible.endpoint.${database.name}/${declared.endpoint.name}`,
        path: ['databases', d, 'endpoints', declared.index, 'hostname'],
      });
    }
  });
  return notices;
}
