import type { Database, EndpointsConfig } from '../../../src/model/config.js';
import { aptibleProvider, type AptibleState } from '../../../src/providers/aptible/index.js';
import type { AptibleTimings } from '../../../src/edges/aptible/timings.js';
import { envSecretResolver } from '../../../src/providers/secrets.js';
import type { Provider } from '../../../src/providers/types.js';
import { type FakeAptible, startFakeAptible } from '../../fakes/aptible/server.js';

/** A distinctive token, so a test can search every output for it. */
export const TOKEN = 'aptible-secret-token-7f3c9d2e1b';
export const TOKEN_ENV = 'APTIBLE_ACCESS_TOKEN';

export const FAST_TIMINGS: AptibleTimings = {
  requestTimeoutMs: 2_000,
  maxAttempts: 4,
  retryBaseMs: 1,
  maxRetryWaitMs: 5_000,
  pollIntervalMs: 1,
  // Generous: a loaded machine must not fail an operation the fake finishes; tests of the bound set their own.
  operationTimeoutMs: 30_000,
};

export interface Harness {
  fake: FakeAptible;
  logs: string[];
  /** Every wait the provider asked for, in ms (the waits themselves are skipped). */
  sleeps: number[];
  config(databases: Database[]): EndpointsConfig;
  /** `env` adds variables to the token's, e.g. a database's admin URL. */
  provider(databases?: Database[], options?: { token?: string; timings?: Partial<AptibleTimings>; env?: NodeJS.ProcessEnv }): Provider<AptibleState>;
}

export async function startHarness(options: { echoTokenInErrors?: boolean } = {}): Promise<Harness> {
  const fake = await startFakeAptible({ token: TOKEN, ...options });
  const logs: string[] = [];
  const sleeps: number[] = [];
  const config = (databases: Database[]): EndpointsConfig => ({
    version: 1,
    provider: { kind: 'aptible', environment: 'production', token: { fromEnv: TOKEN_ENV }, apiUrl: fake.url },
    databases,
  });
  return {
    fake, logs, sleeps, config,
    provider(databases = [], providerOptions = {}) {
      return aptibleProvider(config(databases), {
        secrets: envSecretResolver({ env: { ...providerOptions.env, [TOKEN_ENV]: providerOptions.token ?? TOKEN } }),
        log: (message) => logs.push(message),
        now: () => new Date(),
      }, {
        timings: { ...FAST_TIMINGS, ...providerOptions.timings },
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });
    },
  };
}

/** A public endpoint with these allow entries. */
export function endpoint(name: string, cidrs: string[], hostname?: string): NonNullable<Database['endpoints']>[number] {
  return { name, exposure: 'public', allow: cidrs.map((cidr) => ({ cidr })), ...(hostname ? { hostname } : {}) };
}

export function database(name: string, endpoints: NonNullable<Database['endpoints']>): Database {
  return { name, engine: 'postgresql', endpoints };
}

/** Plans `desired` against the fake through a fresh inspect, as `dbfence plan` does. */
export async function plan(provider: Provider<AptibleState>, desired: EndpointsConfig) {
  const live = await provider.inspect([desired]);
  return provider.diff(desired, live);
}
