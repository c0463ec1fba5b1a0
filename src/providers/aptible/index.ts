import { ToolError } from '../../errors.js';
import { databaseAccounts, PostgresqlEngine, type PostgresLive } from '../../engines/postgresql/index.js';
import type { Database, EndpointsConfig, SecretRef } from '../../model/config.js';
import { formatPath } from '../../model/path.js';
import { packageVersion } from '../../package-info.js';
import { unmanagedAccountNotices } from '../../plan/accounts.js';
import type { Step, StepGroup } from '../../plan/runner.js';
import type { Change } from '../../plan/types.js';
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
export type AptibleState = AptibleLive & { accounts: Map<string, PostgresLive> };

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
  if (database.engine !== 'postgresql') return `dbfence does not manage users on Aptible ${database.engine} databases yet`;
  if (database.adminUrl === undefined) return `${formatPath(['databases', index, 'adminUrl'])} is not set; give the database's admin connection URL to manage them`;
  return undefined;
}

/** One database whose accounts the engine manages. */
interface AccountsDatabase {
  handle: string;
  engine: PostgresqlEngine;
}

/** The engine's addresses (`postgres.role.x`) under the database they are on: `aptible.accounts.<handle>.role.x`. */
function onDatabase(handle: string, change: Change): Change {
  return { ...change, address: `aptible.accounts.${handle}.${change.address.replace(/^postgres\./, '')}` };
}

/**
 * Aptible Database Endpoints through the Deploy API (the edge: endpoints, IP
 * filters, the restart), and, on each PostgreSQL database with
 * `databases[].adminUrl`, its integrations' users and grants through the
 * `postgresql` engine. The token is an Aptible access token used as is
 * (bearer): dbfence never exchanges credentials.
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

  const accounts: AccountsDatabase[] = config.databases.flatMap((database, d) => (
    accountsUnmanagedBecause(database, d) === undefined
      ? [{ handle: database.name, engine: new PostgresqlEngine(database.adminUrl!, formatPath(['databases', d, 'adminUrl']), context) }]
      : []));

  /** The accounts `file` asks of one database, in the SQL database its admin URL opens; undefined when the file does not manage them. */
  function accountsOf(file: EndpointsConfig, { handle, engine }: AccountsDatabase) {
    const index = file.databases.findIndex((database) => database.name === handle);
    if (index < 0 || accountsUnmanagedBecause(file.databases[index]!, index) !== undefined) return undefined;
    return databaseAccounts(file, index, engine.server().database);
  }

  async function inspectAccounts(scope: readonly EndpointsConfig[]): Promise<Map<string, PostgresLive>> {
    const live = new Map<string, PostgresLive>();
    for (const database of accounts) {
      const states = scope.flatMap((file) => accountsOf(file, database) ?? []);
      if (states.length > 0) live.set(database.handle, await database.engine.inspect(states));
    }
    return live;
  }

  /** The Deploy API and the databases at once (each mostly waits on the network); the edge's failure is told first. */
  async function inspect(scope: readonly EndpointsConfig[]): Promise<AptibleState> {
    const [edge, live] = await Promise.allSettled([inspectEnvironment(client, environment, databaseHandles(scope)), inspectAccounts(scope)]);
    if (edge.status === 'rejected') throw edge.reason;
    if (live.status === 'rejected') throw live.reason;
    return { ...edge.value, accounts: live.value };
  }

  function accountChanges(desired: EndpointsConfig, live: AptibleState): Change[] {
    return accounts.flatMap((database) => {
      const state = accountsOf(desired, database);
      const current = live.accounts.get(database.handle);
      if (!state || !current) return [];
      return database.engine.changes(state, current).map((change) => onDatabase(database.handle, change));
    });
  }

  return {
    kind: 'aptible',
    inspect,
    diff: (desired, live) => [...planEdgeChanges(desired, live), ...accountChanges(desired, live)],
    notices: (desired, live) => [...hostnameNotices(desired, live), ...unmanagedAccountNotices(desired, accountsUnmanagedBecause)],
    // The Deploy API has no lock to hold; each database's apply lock is taken by its accounts' steps (below).
    exclusive: (apply) => apply(),
    steps(desired, _live, changes): (Step | StepGroup)[] {
      const edge = changes.filter((change) => !change.address.startsWith('aptible.accounts.')) as AptibleChange[];
      const steps: (Step | StepGroup)[] = aptibleSteps(edge, { client, operations, log: (message) => context.log(message) });
      // The edge first, then each database's accounts in turn, under its lock taken then: a restart in the edge's steps ends any session opened before it.
      for (const database of accounts) {
        const state = accountsOf(desired, database);
        const own = changes.filter((change) => change.address.startsWith(`aptible.accounts.${database.handle}.`));
        if (state && own.length > 0) {
          steps.push(database.engine.lockedSteps(state, own, (change) => onDatabase(database.handle, change), `the accounts of ${database.handle}`));
        }
      }
      return steps;
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
