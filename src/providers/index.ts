import type { EndpointsConfig, ProviderKind } from '../model/config.js';
import type { Provider, ProviderContext, ProviderFactory } from './types.js';

/** Each provider is loaded only when a file uses it, so `lint` never pays for `pg` or HTTP clients. */
const FACTORIES: Record<ProviderKind, () => Promise<ProviderFactory>> = {
  postgres: async () => (await import('./postgres/index.js')).createPostgresProvider,
  aptible: async () => (await import('./aptible/index.js')).createAptibleProvider,
  skysql: async () => (await import('./skysql/index.js')).createSkysqlProvider,
};

export async function createProvider(config: EndpointsConfig, context: ProviderContext): Promise<Provider> {
  const factory = await FACTORIES[config.provider.kind]();
  return factory(config, context);
}
