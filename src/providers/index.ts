import type { EndpointsConfig, ProviderKind } from '../model/config.js';
import type { Provider, ProviderContext, ProviderFactory } from './types.js';

/**
 * Each provider is loaded only when a file uses it, so `lint` never pays for
 * `pg` or HTTP clients. (`webpackMode: "eager"` keeps the Action's ncc bundle
 * one file: the code is in it, and still runs only when imported.)
 */
const FACTORIES: Record<ProviderKind, () => Promise<ProviderFactory>> = {
  postgres: async () => (await import(/* webpackMode: "eager" */ './postgres/index.js')).createPostgresProvider,
  aptible: async () => (await import(/* webpackMode: "eager" */ './aptible/index.js')).createAptibleProvider,
  skysql: async () => (await import(/* webpackMode: "eager" */ './skysql/index.js')).createSkysqlProvider,
  mariadb: async () => (await import(/* webpackMode: "eager" */ './mariadb/index.js')).createMariadbProvider,
};

export async function createProvider(config: EndpointsConfig, context: ProviderContext): Promise<Provider> {
  const factory = await FACTORIES[config.provider.kind]();
  return factory(config, context);
}
