import type { ProviderSettings } from '../model/config.js';
import { aptibleDescriptor } from './aptible/descriptor.js';
import type { ProviderDescriptor } from './descriptor.js';
import { mariadbDescriptor } from './mariadb/descriptor.js';
import { postgresDescriptor } from './postgres/descriptor.js';
import { skysqlDescriptor } from './skysql/descriptor.js';

export type { ProviderDescriptor, ProviderLimits } from './descriptor.js';

/** Every provider's descriptor: light modules, safe for lint to load. */
export const DESCRIPTORS = [postgresDescriptor, aptibleDescriptor, skysqlDescriptor, mariadbDescriptor] as readonly ProviderDescriptor[];

/** The descriptor of the file's provider. */
export function descriptorOf(settings: ProviderSettings): ProviderDescriptor {
  switch (settings.kind) {
    case 'postgres': return postgresDescriptor as ProviderDescriptor;
    case 'aptible': return aptibleDescriptor as ProviderDescriptor;
    case 'skysql': return skysqlDescriptor as ProviderDescriptor;
    case 'mariadb': return mariadbDescriptor as ProviderDescriptor;
  }
}
