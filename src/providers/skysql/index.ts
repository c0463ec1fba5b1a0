import { MariadbEngine, mariadbDatabaseAccounts, type MariadbLive } from '../../engines/mariadb/index.js';
import { ToolError } from '../../errors.js';
import type { Database, EndpointsConfig, SecretRef } from '../../model/config.js';
import { formatPath } from '../../model/path.js';
import { unmanagedAccountNotices } from '../../plan/accounts.js';
import { refuseUnacknowledged } from '../../plan/acknowledge.js';
import type { ApplyResult } from '../../plan/types.js';
import {
  accountChanges, accountNotices, applyAccounts, databaseAccounts, type DatabaseAccounts, inspectAccounts, managedIndex,
} from '../accounts.js';
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

/** The services' endpoints (the edge), and the accounts of each service dbfence manages them on, by name. */
export type SkysqlState = SkysqlLive & { accounts: Map<string, MariadbLive> };

export const DEFAULT_API_URL = 'https://api.skysql.com';

/** Why a service's integration users are not managed, or undefined when they are. */
function accountsUnmanagedBecause(database: Database, index: number): string | undefined {
  if (database.adminUrl === undefined) return `${formatPath(['databases', index, 'adminUrl'])} is not set; give the service's admin credentials to manage them`;
  return undefined;
}

/** A SkySQL provider factory with other timings and bounds (tests run the slow paths in milliseconds). */
export function skysqlProviderFactory(overrides: Partial<SkysqlOptions> = {}): ProviderFactory {
  const options: SkysqlOptions = { ...DEFAULT_OPTIONS, ...overrides };
  return (config, context): Provider<SkysqlState> => {
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
    // A service's accounts through its admin credentials; SkySQL's certificates come from a public CA.
    const accounts: DatabaseAccounts<MariadbLive>[] = config.databases.flatMap((database, d) => {
      if (accountsUnmanagedBecause(database, d) !== undefined) return [];
      const engine = new MariadbEngine(database.adminUrl!, formatPath(['databases', d, 'adminUrl']), context, { system: true });
      return [databaseAccounts('skysql', database.name, engine, (file) => {
        const index = managedIndex(file, database.name, accountsUnmanagedBecause);
        return index === undefined ? undefined : mariadbDatabaseAccounts(file, index);
      })];
    });
    async function inspect(scope: readonly EndpointsConfig[]): Promise<SkysqlState> {
      return { ...await inspectServices(api, scope), accounts: await inspectAccounts(accounts, scope) };
    }
    return {
      kind: 'skysql',
      inspect,
      diff: (desired, live) => [...planSteps(desired, live).map((step) => step.change), ...accountChanges(accounts, desired, live.accounts)],
      notices: (desired, live) => [...accountNotices(accounts, desired, live.accounts), ...unmanagedAccountNotices(desired, accountsUnmanagedBecause)],
      async apply(desired, applyOptions): Promise<ApplyResult> {
        const live = await inspect([desired]);
        const steps = planSteps(desired, live);
        const planned = accountChanges(accounts, desired, live.accounts);
        refuseUnacknowledged([...steps.map((step) => step.change), ...planned], applyOptions.allowDestructive);
        const edge = await applySteps(steps, deps, applyOptions);
        const outcomes = [...edge.outcomes, ...await applyAccounts(accounts, desired, planned, applyOptions, !edge.ok)];
        return { outcomes, ok: outcomes.every((outcome) => outcome.status === 'applied') };
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
