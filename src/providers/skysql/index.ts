import { ToolError } from '../../errors.js';
import type { SecretRef } from '../../model/config.js';
import { unmanagedAccountNotices } from '../../plan/accounts.js';
import type { Provider, ProviderFactory } from '../types.js';
import { apiRoot, SkysqlApi } from '../../edges/skysql/api.js';
import { skysqlSteps } from '../../edges/skysql/apply.js';
import { caCertificate } from '../../edges/skysql/certificate.js';
import { planChanges, type SkysqlChange } from '../../edges/skysql/diff.js';
import { SkysqlHttp } from '../../edges/skysql/http.js';
import { inspectServices, type SkysqlLive } from '../../edges/skysql/live.js';
import { DEFAULT_OPTIONS, type SkysqlOptions } from '../../edges/skysql/options.js';

export type { SkysqlLive } from '../../edges/skysql/live.js';
export type { SkysqlOptions } from '../../edges/skysql/options.js';

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
      options,
      now: () => context.now(),
      log: (message) => context.log(message),
    });
    const api = new SkysqlApi(http, options.pageSize);
    const deps = { api, options, now: () => context.now(), log: (message: string) => context.log(message) };
    return {
      kind: 'skysql',
      inspect: (scope) => inspectServices(api, scope),
      diff: planChanges,
      notices: (desired) => unmanagedAccountNotices(desired, () => 'dbfence does not manage users on SkySQL databases yet'),
      // The SkySQL API has no lock to hold: the stale-plan check is what guards the reviewed plan.
      exclusive: (apply) => apply(),
      steps: (_desired, _live, changes) => skysqlSteps(changes as readonly SkysqlChange[], deps),
      caCertificate,
      close: async () => {},
    };
  };
}

export const createSkysqlProvider: ProviderFactory = skysqlProviderFactory();

function describeSecretRef(ref: SecretRef): string {
  return 'fromEnv' in ref ? `the environment variable ${ref.fromEnv}` : `the file ${ref.fromFile}`;
}
