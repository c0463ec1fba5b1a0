import type { MariadbProviderSettings } from '../../model/config.js';
import type { ProviderDescriptor } from '../descriptor.js';

export const mariadbDescriptor: ProviderDescriptor<MariadbProviderSettings> = {
  // Each `from` entry is an account's host pattern, which matches IPv6 only as a single address: provider-limits checks that.
  limits: () => ({ label: 'a self-managed MariaDB', privateEndpoints: false, sourcesAreAccountHosts: true }),
  engines: ['mariadb', 'mysql'],
  // The accounts mariadb-install-db creates.
  adminUsers: ['root', 'mysql', 'mariadb.sys'],
};
