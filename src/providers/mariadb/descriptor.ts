import type { MariadbProviderSettings } from '../../model/config.js';
import type { ProviderDescriptor } from '../descriptor.js';

export const mariadbDescriptor: ProviderDescriptor<MariadbProviderSettings> = {
  // An integration's `from` entries become account host patterns, which take IPv4 netmasks but no IPv6 range.
  limits: () => ({ label: 'a self-managed MariaDB', privateEndpoints: false, ipv6SingleSourcesOnly: true }),
  // The accounts mariadb-install-db creates.
  adminUsers: ['root', 'mysql', 'mariadb.sys'],
};
