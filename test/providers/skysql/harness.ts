import type { AllowEntry, Database, EndpointsConfig } from '../../../src/model/config.js';
import { envSecretResolver } from '../../../src/providers/secrets.js';
import { skysqlProviderFactory, type SkysqlLive, type SkysqlOptions } from '../../../src/providers/skysql/index.js';
import type { Provider } from '../../../src/providers/types.js';
import { startFakeSkysql, type FakeSkysql, type FakeSkysqlOptions } from '../../fakes/skysql/server.js';

/** A key shaped like a real one, so a leak anywhere is easy to spot. */
export const API_KEY = 'skysql_key_7f3e9c2a41b84d6e9a0c5e2f7d9b38c4';

export interface Harness {
  fake: FakeSkysql;
  provider: Provider<SkysqlLive>;
  logs: string[];
  /** Every wait the provider asked for, in virtual milliseconds. */
  sleeps: number[];
  /** A provider for another file, sharing the same fake and clock. */
  providerFor(config: EndpointsConfig, env?: NodeJS.ProcessEnv): Provider<SkysqlLive>;
}

/**
 * A fake SkySQL and a provider sharing one virtual clock: the provider's
 * sleeps advance it at once, the fake's pending states follow it, so minutes
 * of polling take milliseconds.
 */
export async function startHarness(
  fakeOptions: Omit<FakeSkysqlOptions, 'apiKey' | 'now'> & { apiKey?: string },
  databases: Database[],
  timings: Partial<SkysqlOptions> = {},
): Promise<Harness> {
  let clock = Date.parse('2026-11-23T12:00:00Z');
  const sleeps: number[] = [];
  const logs: string[] = [];
  const fake = await startFakeSkysql({ apiKey: API_KEY, now: () => clock, ...fakeOptions });
  const factory = skysqlProviderFactory({
    pollIntervalMs: 1_000,
    readyTimeoutMs: 60_000,
    pendingRetryMs: 1_000,
    pendingTimeoutMs: 30_000,
    maxRetries: 3,
    retryDelayMs: 500,
    maxRetryAfterMs: 10_000,
    pageSize: 2,
    requestTimeoutMs: 5_000,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    ...timings,
  });
  const providerFor = (config: EndpointsConfig, env: NodeJS.ProcessEnv = { SKYSQL_API_KEY: API_KEY }) =>
    factory(config, {
      secrets: envSecretResolver({ env }),
      log: (message) => logs.push(message),
      now: () => new Date(clock),
    }) as Provider<SkysqlLive>;
  const harness: Harness = { fake, provider: undefined as unknown as Provider<SkysqlLive>, logs, sleeps, providerFor };
  harness.provider = providerFor(configFor(fake, databases));
  return harness;
}

export function configFor(fake: FakeSkysql, databases: Database[]): EndpointsConfig {
  return {
    version: 1,
    provider: { kind: 'skysql', apiKey: { fromEnv: 'SKYSQL_API_KEY' }, apiUrl: fake.url, cloud: 'aws' },
    databases,
  };
}

export function publicDatabase(name: string, allow: (string | AllowEntry)[]): Database {
  return {
    name,
    engine: 'mariadb',
    endpoints: [{ name: `${name}-public`, exposure: 'public', allow: allow.map((entry) => (typeof entry === 'string' ? { cidr: entry } : entry)) }],
  };
}

export function privateDatabase(name: string, allowedAccounts: string[]): Database {
  return { name, engine: 'mariadb', endpoints: [{ name: `${name}-private`, exposure: 'private', allowedAccounts }] };
}

/** Runs `fn` and returns the error it throws. */
export async function errorOf(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
