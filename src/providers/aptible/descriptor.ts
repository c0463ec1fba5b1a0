import type { AptibleProviderSettings } from '../../model/config.js';
import type { ProviderDescriptor } from '../descriptor.js';

export const aptibleDescriptor: ProviderDescriptor<AptibleProviderSettings> = {
  // "The underlying AWS hardware that backs Database Endpoints has an idle connection timeout of 60 minutes."
  limits: () => ({ label: 'Aptible', privateEndpoints: false, maxAllowEntries: 50, ipv4Only: true, fixedIdleTimeout: 3600 }),
  // Aptible also runs Redis, MongoDB and others, which have no endpoints.yaml engine.
  engines: ['postgresql', 'mysql'],
  adminUsers: ['aptible'],
};
