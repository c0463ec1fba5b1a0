import type { PostgresProviderSettings } from '../../model/config.js';
import type { ProviderDescriptor } from '../descriptor.js';

export const postgresDescriptor: ProviderDescriptor<PostgresProviderSettings> = {
  limits: () => ({ label: 'a self-managed PostgreSQL', privateEndpoints: false }),
  engines: ['postgresql'],
  adminUsers: ['postgres'],
};
