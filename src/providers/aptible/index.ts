import { MariadbEngine, mariadbDatabaseAccounts, type MariadbLive } from '../../engines/mariadb/index.js';
import { ToolError } from '../../errors.js';
import { databaseAccounts as postgresqlAccounts, PostgresqlEngine, type PostgresLive } from '../../engines/postgresql/index.js';
import type { Database, EndpointsConfig, SecretRef } from '../../model/config.js';
import { formatPath } from '../../model/path.js';
import { packageVersion } from '../../package-info.js';
import { unmanagedAccountNotices } from '../../plan/accounts.js';
import type { Step, StepGroup } from '../../plan/runner.js';
import {
  accountChanges, accountNotices, accountSteps, databaseAccounts, type DatabaseAccounts, inspectAccounts, isAccountChange, managedIndex,
} from '../accounts.js';
import type { Provider, ProviderContext, ProviderFactory } from '../types.js';
import { aptibleSteps } from '../../edges/aptible/apply.js';
import { optionalString } from '../../edges/aptible/hal.js';
import { AptibleClient } from '../../edges/aptible/http.js';
import { findEnvironment, inspectEnvironment } from '../../edges/aptible/inspect.js';
import type { AptibleLive } from '../../edges/aptible/live.js';
import { hostnameNotices } from '../../edges/aptible/notices.js';
import { operationRunner } from '../../edges/aptible/operations.js';
import { type AptibleChange, planEdgeChanges } from '../../edges/aptible/steps.js';
import { type AptibleTimings, DEFAULT_TIMINGS, realSleep, type Sleep } from '../../edges/aptible/timings.js';

export type { AptibleLive } from '../../edges/aptible/live.js';

/** The environment's endpoints (the edge), and the accounts of each database dbfence manages them on, by handle. */
export type AptibleState = AptibleLive & { accounts: Map<string, PostgresLive | MariadbLive> };

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

/** Why a database's integration users are not managed, or undefined when they are. */
function accountsUnmanagedBecause(database: Database, index: number): string | undefined {
  if (database.adminUrl === undefined) return `${formatPath(['databases', index, 'adminUrl'])} is not set; give the database's admin connection URL to manage them`;
  return undefined;
}

/**
 * Aptible Database Endpoints through the Deploy API (the edge: endpoints, IP
 * filters, the restart), and, on each database with `databases[].adminUrl`,
 * its integrations' users and grants through the engine that serves it:
 * `postgresql` on a PostgreSQL database, `mariadb` on a MySQL one. The token
 * is an Aptible access token used as is (bearer): dbfence never exchanges
 * credentials.
 */
export function aptibleProvider(config: EndpointsConfig, context: ProviderContext, options: AptibleProviderOptions = {}): Provider<AptibleState> {
  const settings = config.provider;
  if (settings.kind !== 'aptible') throw new ToolError(`the aptible provider cannot run a ${settings.kind} file`);
  const { environment } = settings;
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

  const accounts = config.databases.flatMap<DatabaseAccounts<PostgresLive | MariadbLive>>((database, d) => {
    if (accountsUnmanagedBecause(database, d) !== undefined) return [];
    const where = formatPath(['databases', d, 'adminUrl']);
    const managedIn = (file: EndpointsConfig) => managedIndex(file, database.name, accountsUnmanagedBecause);
    if (database.engine === 'postgresql') {
      const engine = new PostgresqlEngine(database.adminUrl!, where, context);
      // The accounts a file asks of the database, in the SQL database its admin URL opens.
      return [databaseAccounts('aptible', database.name, engine, (file) => {
        const index = managedIn(file);
        return index === undefined ? undefined : postgresqlAccounts(file, index, engine.server().database);
      })];
    }
    // A MySQL database's certificate is signed by the environment's CA: the URL's ssl-ca names it (or a tunnel on loopback goes without TLS).
    const engine = new MariadbEngine(database.adminUrl!, where, context);
    return [databaseAccounts('aptible', database.name, engine, (file) => {
      const index = managedIn(file);
      return index === undefined ? undefined : mariadbDatabaseAccounts(file, index);
    })];
  });

  /** The Deploy API and the databases at once (each mostly waits on the network); the edge's failure is told first. */
  async function inspect(scope: readonly EndpointsConfig[]): Promise<AptibleState> {
    const [edge, live] = await Promise.allSettled([inspectEnvironment(client, environment, databaseHandles(scope)), inspectAccounts(accounts, scope)]);
    if (edge.status === 'rejected') throw edge.reason;
    if (live.status === 'rejected') throw live.reason;
    return { ...edge.value, accounts: live.value };
  }

  return {
    kind: 'aptible',
    inspect,
    diff: (desired, live) => [...planEdgeChanges(desired, live), ...accountChanges(accounts, desired, live.accounts)],
    notices: (desired, live) => [
      ...hostnameNotices(desired, live), ...accountNotices(accounts, desired, live.accounts), ...unmanagedAccountNotices(desired, accountsUnmanagedBecause),
    ],
    // The Deploy API has no lock to hold; each database's apply lock is taken by its accounts' steps (below).
    exclusive: (apply) => apply(),
    steps(desired, _live, changes): (Step | StepGroup)[] {
      const edge = changes.filter((change) => !isAccountChange('aptible', change)) as AptibleChange[];
      // The edge first, then each database's accounts in turn, under its lock taken then: a restart in the edge's steps ends any session opened before it.
      return [...aptibleSteps(edge, { client, operations, log: (message) => context.log(message) }), ...accountSteps(accounts, desired, changes)];
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
