import { ToolError } from '../../errors.js';
import type { EndpointsConfig, SecretRef } from '../../model/config.js';
import { packageVersion } from '../../package-info.js';
import type { Provider, ProviderContext, ProviderFactory } from '../types.js';
import { checkAcknowledged, runSteps } from './apply.js';
import { optionalString } from './hal.js';
import { AptibleClient } from './http.js';
import { findEnvironment, inspectEnvironment } from './inspect.js';
import type { AptibleLive } from './live.js';
import { hostnameNotices } from './notices.js';
import { operationRunner } from './operations.js';
import { planSteps } from './steps.js';
import { type AptibleTimings, DEFAULT_TIMINGS, realSleep, type Sleep } from './timings.js';

export type { AptibleLive } from './live.js';

export const DEFAULT_API_URL = 'https://api.aptible.com';

export interface AptibleProviderOptions {
  timings?: Partial<AptibleTimings>;
  sleep?: Sleep;
}

function describeSource(ref: SecretRef): string {
  return 'fromEnv' in ref ? `the environment variable ${ref.fromEnv}` : `the file ${ref.fromFile}`;
}

function databaseHandles(configs: readonly EndpointsConfig[]): Set<string> {
  return new Set(configs.flatMap((config) => config.databases.map((database) => database.name)));
}

/**
 * Aptible Database Endpoints through the Deploy API. The token is an Aptible
 * access token used as is (bearer): dbfence never exchanges credentials.
 */
export function aptibleProvider(config: EndpointsConfig, context: ProviderContext, options: AptibleProviderOptions = {}): Provider<AptibleLive> {
  const settings = config.provider;
  if (settings.kind !== 'aptible') throw new ToolError(`the aptible provider cannot run a ${settings.kind} file`);
  const timings = { ...DEFAULT_TIMINGS, ...options.timings };
  const sleep = options.sleep ?? realSleep;
  const client = new AptibleClient({
    apiUrl: settings.apiUrl ?? DEFAULT_API_URL,
    token: () => context.secrets.resolve(settings.token, 'the Aptible token (provider.token)'),
    tokenSource: describeSource(settings.token),
    userAgent: `dbfence/${packageVersion()}`,
    timings,
    sleep,
    now: () => context.now(),
    log: (message) => context.log(message),
  });
  const operations = operationRunner({ client, timings, sleep, now: () => context.now(), log: (message) => context.log(message) });

  return {
    kind: 'aptible',
    inspect: (scope) => inspectEnvironment(client, settings.environment, databaseHandles(scope)),
    diff: (desired, live) => planSteps(desired, live).map((step) => step.change),
    notices: hostnameNotices,
    async apply(desired, { allowDestructive, onOutcome }) {
      const live = await inspectEnvironment(client, settings.environment, databaseHandles([desired]));
      const steps = planSteps(desired, live);
      checkAcknowledged(steps, allowDestructive);
      return runSteps(steps, { client, operations, log: (message) => context.log(message), onOutcome });
    },
    async caCertificate() {
      const account = await findEnvironment(client, settings.environment);
      const pem = optionalString(account, 'ca_body');
      if (pem === undefined) throw new ToolError(`Aptible environment ${settings.environment} has no CA certificate (ca_body is empty)`);
      return pem;
    },
    async close() {
      // fetch keeps no connection dbfence owns.
    },
  };
}

export const createAptibleProvider: ProviderFactory = (config, context) => aptibleProvider(config, context);
