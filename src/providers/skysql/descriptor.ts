import type { SkysqlProviderSettings } from '../../model/config.js';
import type { ProviderDescriptor } from '../descriptor.js';

/**
 * SkySQL's default user is named after the service id: "db", three letters,
 * eight digits (`dbpwf03798702`, `dbdwf40820593`, `dbdgf42002418`).
 */
const DEFAULT_USER = /^db[a-z]{3}[0-9]{8}$/;

export const skysqlDescriptor: ProviderDescriptor<SkysqlProviderSettings> = {
  limits: ({ cloud }) => ({
    label: cloud === 'gcp' ? 'SkySQL on GCP' : 'SkySQL',
    privateEndpoints: true,
    maxAllowEntries: cloud === 'gcp' ? 200 : 30,
    ipv4Only: true,
    networkAddressRequired: true,
    // A service has one endpoint mechanism: nlb (public) or privateconnect (private).
    maxEndpointsPerDatabase: 1,
  }),
  // Every SkySQL topology (es-single, es-replica, xpand, serverless) is MariaDB; there is no MySQL service.
  engines: ['mariadb'],
  adminUsers: ['dbadmin'],
  isAdminUser: (user) => DEFAULT_USER.test(user),
};
