import type { MariadbProviderSettings } from '../../model/config.js';
import type { ProviderDescriptor } from '../descriptor.js';

export const mariadbDescriptor: ProviderDescriptor<MariadbProviderSettings> = {
  // An integration's IPv6 `from` entries must be single addresses: provider-limits checks that per engine.
  limits: () => ({ label: 'a self-managed MariaDB', privateEndpoints: false }),
  engines: ['mariadb', 'mysql'],
  // The accounts mariadb-install-db creates.
  adminUsers: ['root', 'mysql', 'mariadb.sys'],
};
