import { MariadbEngine, mariadbDatabaseAccounts, type MariadbLive } from '../../engines/mariadb/index.js';
import { ToolError } from '../../errors.js';
import type { Database, EndpointsConfig, SecretRef } from '../../model/config.js';
import { formatPath } from '../../model/path.js';
import { unmanagedAccountNotices } from '../../plan/accounts.js';
import type { Step, StepGroup } from '../../plan/runner.js';
import {
  accountChanges, accountNotices, accountSteps, databaseAccounts, type DatabaseAccounts, inspectAccounts, isAccountChange, managedIndex,
} from '../accounts.js';
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
      diff: (desired, live) => [...planChanges(desired, live), ...accountChanges(accounts, desired, live.accounts)],
      notices: (desired, live) => [...accountNotices(accounts, desired, live.accounts), ...unmanagedAccountNotices(desired, accountsUnmanagedBecause)],
      // The SkySQL API has no lock to hold (the stale-plan check guards the reviewed plan); each service's accounts take their own lock.
      exclusive: (apply) => apply(),
      steps: (desired, _live, changes): (Step | StepGroup)[] => [
        ...skysqlSteps(changes.filter((change) => !isAccountChange('skysql', change)) as SkysqlChange[], deps),
        ...accountSteps(accounts, desired, changes),
      ],
      caCertificate,
      close: async () => {},
    };
  };
}

export const createSkysqlProvider: ProviderFactory = skysqlProviderFactory();

function describeSecretRef(ref: SecretRef): string {
  return 'fromEnv' in ref ? `the environment variable ${ref.fromEnv}` : `the file ${ref.fromFile}`;
}
