import { ToolError } from '../../errors.js';
import type { SecretRef } from '../../model/config.js';
import { unmanagedAccountNotices } from '../../plan/accounts.js';
import type { Provider, ProviderFactory } from '../types.js';
import { apiRoot, SkysqlApi } from './api.js';
import { applySteps } from './apply.js';
import { caCertificate } from './certificate.js';
import { planSteps } from './diff.js';
import { SkysqlHttp } from './http.js';
import { inspectServices, type SkysqlLive } from './live.js';
import { DEFAULT_OPTIONS, type SkysqlOptions } from './options.js';

export type { SkysqlLive } from './live.js';
export type { SkysqlOptions } from './options.js';

export const DEFAULT_API_URL = 'https://api.skysql.com';

/** A SkySQL provider factory with other timings and bounds (tests run the slow paths in milliseconds). */
export function skysqlProviderFactory(overrides: Partial<SkysqlOptions> = {}): ProviderFactory {
  const options: SkysqlOptions = { ...DEFAULT_OPTIONS, ...overrides };
  return (config, context): Provider<SkysqlLive> => {
    const settings = config.provider;
    if (settings.kind !== 'skysql') throw new ToolError(`the skysql provider cannot manage a ${settings.kind} file`);
    const http = new SkysqlHttp({
      baseUrl: apiRoot(settings.apiUrl ?? DEFAULT_API_URL),
      apiKey: () => context.secrets.resolve(settings.apiKey, 'provider.apiKey'),
      keySource: describeSecretRef(settings.apiKey),
      ...(settings.orgId !== undefined ? { orgId: settings.orgId } : {}),
      options,
      now: () => context.now(),
      log: (message) => context.log(message),
    });
    const api = new SkysqlApi(http, options.pageSize);
    const deps = { api, options, now: () => context.now(), log: (message: string) => context.log(message) };
    return {
      kind: 'skysql',
      inspect: (scope) => inspectServices(api, scope),
      diff: (desired, live) => planSteps(desired, live).map((step) => step.change),
      notices: (desired) => unmanagedAccountNotices(desired, () => 'dbfence does not manage users on SkySQL databases yet'),
      async apply(desired, applyOptions) {
        const live = await inspectServices(api, [desired]);
        return applySteps(planSteps(desired, live), deps, applyOptions);
      },
      caCertificate,
      close: async () => {},
    };
  };
}

export const createSkysqlProvider: ProviderFactory = skysqlProviderFactory();

function describeSecretRef(ref: SecretRef): string {
  return 'fromEnv' in ref ? `the environment variable ${ref.fromEnv}` : `the file ${ref.fromFile}`;
}
